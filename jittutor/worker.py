"""``python -m jittutor.worker``: the worker's stable launch name.

Workshop launch commands (``srun ... python -m jittutor.worker``) name this
module; the worker itself lives in :mod:`jittutor.engine.worker`.
"""

from jittutor.engine.worker.main import main

if __name__ == "__main__":
    main()
