#!/usr/bin/env sh
# Print the path of a Python >= 3.12 on this machine, or fail with advice.
# Looks at the usual names on PATH, then at pyenv's and uv's installed versions.
ok() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
for name in python3.13 python3.12 python3 python; do
  path=$(command -v "$name" 2>/dev/null) || continue
  if ok "$path"; then "$path" -c 'import sys; print(sys.executable)'; exit 0; fi
done
root=${PYENV_ROOT:-$HOME/.pyenv}
for path in "$root"/versions/3.1[2-9]*/bin/python3 "$HOME"/.local/share/uv/python/cpython-3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
  [ -x "$path" ] && ok "$path" && { echo "$path"; exit 0; }
done
echo "balancing-sim needs Python >= 3.12: install one (e.g. 'pyenv install 3.12' or 'uv python install 3.12') and rerun make" >&2
exit 1
