"""Finding the sound file a dialplan names: ``message-office`` → ``sounds/message-office.wav``.

Asterisk names sounds without an extension and picks whichever format exists, looking in the
channel's language folder first. Absolute names are used as they are.
"""

from __future__ import annotations

from pathlib import Path

EXTENSIONS = (".wav", ".WAV", ".flac", ".ogg", ".mp3", ".aiff", ".au")
"""Formats the media plane reads (through soundfile), in order of preference."""


def find_sound(name: str, sounds_dir: Path, language: str = "en") -> Path | None:
    candidate = Path(name)
    bases = [candidate] if candidate.is_absolute() else [
        sounds_dir / language / candidate, sounds_dir / candidate,
    ]
    for base in bases:
        if base.suffix in EXTENSIONS and base.is_file():
            return base
        for extension in EXTENSIONS:
            path = base.with_name(base.name + extension)
            if path.is_file():
                return path
    return None


def find_music(sounds_dir: Path, moh_class: str) -> Path | None:
    """The first file of a music-on-hold class: ``sounds/moh/<class>/`` (``default`` when
    the class is empty), in name order."""
    folder = sounds_dir / "moh" / (moh_class or "default")
    if not folder.is_dir() or "/" in moh_class or moh_class.startswith("."):
        return None
    files = sorted(p for p in folder.iterdir() if p.suffix in EXTENSIONS and p.is_file())
    return files[0] if files else None
