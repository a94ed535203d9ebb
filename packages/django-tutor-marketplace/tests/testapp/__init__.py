"""The hooks and signals a host would provide, which tests name by path (``hooks``).

The user model is ``tutor_testing``'s.
"""
