"""The command line: each command parses options, builds objects, calls the core, returns a code."""
