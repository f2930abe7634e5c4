"""DNS vocabulary checks and codecs, shared by every vendor (private)."""
