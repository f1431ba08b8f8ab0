"""Make docs/screenshot.svg with the app's own screenshot feature, from a real run.

    python docs/make_screenshot.py

Opens the static-args lesson with a real worker, presses F5, reveals a hint,
and saves what a student sees at 120x36.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


async def main() -> None:
    os.environ["JITTUTOR_HOME"] = tempfile.mkdtemp(prefix="jittutor-shot-")
    from jittutor.app.app import JitTutorApp

    app = JitTutorApp(lesson_id="static-args", blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(600):
            if app.worker_status == "ready":
                break
            await pilot.pause(0.1)
        await pilot.press("f5")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("f3")
        await pilot.pause(0.3)
        path = app.save_screenshot(filename="screenshot.svg", path=str(REPO / "docs"))
        print(path)


if __name__ == "__main__":
    asyncio.run(main())
