/**
 * Debian copyright files: the machine-readable format (DEP-5: stanzas of Files / Copyright /
 * License) and the older free-text one. What the corpus needs from them: who holds the rights
 * to a given file, and under which licence.
 */
export interface CopyrightStanza {
  files: string[];
  holders: string[];
  license: string;
}

export interface CopyrightInfo {
  machineReadable: boolean;
  stanzas: CopyrightStanza[];
}

/** Split a paragraph into fields; continuation lines (starting with space) join the field. */
function fields(paragraph: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of paragraph.split('\n')) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m) {
      current = m[2].trim() ? [m[2].trim()] : [];
      out.set(m[1].toLowerCase(), current);
    } else if (/^\s/.test(line) && current) {
      const v = line.trim();
      if (v && v !== '.') current.push(v);
    }
  }
  return out;
}

/** A holder line without years, e-mail addresses, web addresses and "(C)". */
export function cleanHolder(line: string): string {
  return line
    .replace(/^(copyright\s*)?(\(c\)|©)?\s*/i, '')
    .replace(/<[^>]*>/g, '')
    .replace(/\S+@\S+/g, '')
    .replace(/\((www\.|https?:)[^)]*\)/gi, '')
    .replace(/^\s*\d{4}(\s*[-–,]\s*\d{4})*\s*,?\s*(by\s+)?/i, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.,;]$/, '');
}

export function parseCopyright(text: string): CopyrightInfo {
  const paragraphs = text.split(/\n\s*\n/);
  const machineReadable = /^Format:/m.test(paragraphs[0] ?? '');
  if (!machineReadable) {
    // Free text: the upstream "Copyright (C) …" lines and the first licence named.
    const holders = [...text.matchAll(/^\s*Copyright\s*(?:\(C\)|©)?\s*(.+)$/gim)].map((m) =>
      cleanHolder(m[1]),
    );
    const gpl = /GNU General Public License[^\n]*\n?[^\n]*version (\d)/i.exec(text);
    const license = gpl
      ? `GPL-${gpl[1]}+`
      : /public domain/i.test(text)
        ? 'public-domain'
        : 'unknown';
    return {
      machineReadable,
      stanzas: [{ files: ['*'], holders: holders.filter(Boolean), license }],
    };
  }
  const stanzas: CopyrightStanza[] = [];
  for (const p of paragraphs.slice(1)) {
    const f = fields(p);
    const files = f.get('files');
    if (!files) continue;
    const license = (f.get('license') ?? ['unknown'])[0].split(/\s/)[0] || 'unknown';
    const holders = [...new Set((f.get('copyright') ?? []).map(cleanHolder).filter(Boolean))];
    stanzas.push({ files: files.flatMap((l) => l.split(/\s+/)).filter(Boolean), holders, license });
  }
  return { machineReadable, stanzas };
}

/** DEP-5 patterns: `*` matches anything (slashes too), `?` one character. */
function matches(pattern: string, path: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(path);
}

/** The stanza that governs `path` (DEP-5: the last matching one wins). */
export function stanzaFor(info: CopyrightInfo, path: string): CopyrightStanza | undefined {
  let found: CopyrightStanza | undefined;
  for (const s of info.stanzas) if (s.files.some((p) => matches(p, path))) found = s;
  return found;
}
