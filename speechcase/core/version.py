"""The package version, in its own module so any layer can stamp it without importing the package facade."""
__version__ = "0.1.0"
