"""Pure data: frozen dataclasses, closed enums and the error tree. Imports nothing of ours."""
