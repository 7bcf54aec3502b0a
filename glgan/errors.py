"""UserError: the base of errors that come from the user's input or environment.

Owns only that contract. It imports nothing from glgan, so any layer may raise one (render's
``ShaderError`` for a bad shader folder, for example) and the command line, which catches it,
prints it as one ``glgan: error: ...`` line with exit status 2 instead of a traceback.
"""


class UserError(Exception):
    """Something the user can fix (a file, a folder, a setting), said in one line."""
