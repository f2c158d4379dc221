"""genspec's Jinja templates, one per generated file (``<file>.jinja``).

A package only so that they ship inside genspec's wheel and are found with
``importlib.resources`` from any folder; it holds no code.
"""
