"""Asterisk-compatible dialplan: parser, patterns, expressions and the interpreter."""
