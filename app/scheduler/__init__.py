"""The scheduler: its own process, never inside web workers."""
