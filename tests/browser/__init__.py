"""Browser tests: the web UI driven in headless Chromium against real circlefed servers."""
