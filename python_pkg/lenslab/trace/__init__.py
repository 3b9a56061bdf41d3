"""The frozen result of a capture: ``Trace`` records, ``Derived`` facts, ``ModelHistory``."""
