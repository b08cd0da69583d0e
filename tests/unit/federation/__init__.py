"""Unit tests of the federation room."""
