"""Pure decisions with plain values in and out: labels and sizes, OWNERS resolution,
can-be-merged, command parsing, conventional titles, security paths, merge state. No I/O, no
PyGithub, and no import of any other package of this project.
"""
