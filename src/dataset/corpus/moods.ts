/**
 * Mood tags from a track's name. Game soundtracks name tracks by where they play ("battle",
 * "victory", "geoscape", "sad"); these are the moods a film-score corpus would label. Each
 * tag lists the words that imply it.
 */
const MOOD_WORDS: Record<string, string[]> = {
  battle: [
    'battle',
    'battlescape',
    'siege',
    'fight',
    'fightmare',
    'war',
    'attack',
    'combat',
    'frantic',
    'vengeful',
    'revenge',
    'assault',
    'mission',
  ],
  victory: ['victory', 'win', 'wingame', 'triumph'],
  sad: [
    'sad',
    'defeat',
    'loose',
    'lose',
    'loosegame',
    'casualties',
    'dead',
    'falls',
    'nunc',
    'dimittis',
    'introsad',
    'elegy',
    'lament',
  ],
  theme: ['theme', 'menu', 'main', 'title', 'intro', 'credits'],
  exploration: [
    'geoscape',
    'geosphere',
    'journey',
    'journeys',
    'wanderer',
    'traveling',
    'travel',
    'northern',
    'mountains',
    'knolls',
    'explore',
  ],
  calm: ['sanctuary', 'silvan', 'love', 'peace', 'calm', 'transience', 'silence', 'elf', 'land'],
  suspense: [
    'suspense',
    'shadows',
    'underground',
    'deep',
    'dangerous',
    'dark',
    'revelation',
    'nightmare',
    'mystery',
  ],
  heroic: ['heroes', 'rite', 'legends', 'king', 'loyalists', 'return', 'breaking', 'chains'],
};

/** Split "Crystan-Battlescape01", "silvan_sanctuary", "track3_enhanced" into lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/\.[a-z0-9]+$/i, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z]+/)
    .map((w) => w.toLowerCase())
    .filter(Boolean);
}

export function moodsFromName(name: string): string[] {
  const words = new Set(nameWords(name));
  return Object.entries(MOOD_WORDS)
    .filter(([, ws]) => ws.some((w) => words.has(w)))
    .map(([mood]) => mood);
}
