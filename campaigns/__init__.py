"""The content side: briefing -> themed digests -> rendered, checked email."""
