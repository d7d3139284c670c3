"""Files that record what a user typed (input histories): 0600 in a 0700 directory.

They are created that way whatever the umask, and files or gradtrace's own data directory left
more open (by an older version, or a lax umask) are tightened when they are opened. A directory
the user chose and that already exists (one named by GRADTRACE_HISTORY, say) keeps its mode:
only the gradtrace files in it are made private.
"""
import os
import stat

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def data_dir():
    """gradtrace's directory in the platform's user data directory (~/.local/share/gradtrace)."""
    import platformdirs
    return platformdirs.user_data_dir("gradtrace")


def prepare_private_file(path, companions=()):
    """Make `path` exist as a 0600 file in a private directory; tighten `path + suffix` companions too.

    Companions are files another library writes next to it (SQLite's -wal and -shm). Raises OSError
    when the file cannot be created.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=DIRECTORY_MODE, exist_ok=True)
        _tighten(directory, DIRECTORY_MODE)  # makedirs' mode passes through the umask
    elif os.path.realpath(directory) == os.path.realpath(data_dir()):
        _tighten(directory, DIRECTORY_MODE)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))
    for candidate in (path, *(path + suffix for suffix in companions)):
        if os.path.exists(candidate):
            _tighten(candidate, FILE_MODE)


def _tighten(path, mode):
    if stat.S_IMODE(os.stat(path).st_mode) != mode:
        os.chmod(path, mode)
