"""Django's SQLite backend, with the writers of every process taking turns on a lock file
(canhgiac.sqlite.base)."""
