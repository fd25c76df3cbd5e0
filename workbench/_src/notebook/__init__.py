"""The notebook layer: the ``%%reactant`` magic, the inspector widget and its HTML/text fallbacks.

Views sit on top of the introspection data (``workbench._src.introspect``) and never compute.
"""
