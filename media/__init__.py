"""Audio frames, G.711 codecs, mixing, playback, recording and tones."""
