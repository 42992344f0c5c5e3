"""filmscore's training side (PyTorch from Debian). Networks live in modules named after them;
training loops and exports live apart from them (audiocraft's split)."""
