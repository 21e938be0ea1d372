"""Concert Data Platform API: Lambda handlers, services and adapters for a concert analytics platform."""

__version__ = "1.0.0"
