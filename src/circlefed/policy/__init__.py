"""Policy room: pure verdicts (federation, confidentiality, moderation) behind gate.py."""
