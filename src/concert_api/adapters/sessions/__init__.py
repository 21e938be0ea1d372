"""Where chat conversations live between messages (`SessionStore`)."""
