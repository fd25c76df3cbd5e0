"""Implementation of the workbench. Nothing here is public; see ``workbench/__init__.py``."""
