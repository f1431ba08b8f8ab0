"""Choose the device runs go to, from the devices the worker reported."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from jittutor.engine.protocol import DeviceInfo


def _memory(device: DeviceInfo) -> str:
    if device.memory_limit:
        used = (device.memory_in_use or 0) / 2**30
        return f", {used:.1f} of {device.memory_limit / 2**30:.1f} GiB in use"
    return ""


def device_prompt(device: DeviceInfo, current: str | None) -> Content:
    kind = f" ({device.kind})" if device.kind and device.kind != device.platform else ""
    mark = "(*)" if device.name == current else "( )"
    return Content(f"{mark} {device.name}{kind}{_memory(device)}")


class DevicePickerScreen(ModalScreen[str | None]):
    """Dismisses with the chosen device's canonical name, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="device-close")]

    def __init__(self, devices: list[DeviceInfo], current: str | None) -> None:
        super().__init__()
        self.devices = devices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="device-dialog"):
            yield Static(Content.styled("Run on which device?", "bold"), classes="dialog-title")
            yield OptionList(*[Option(device_prompt(d, self.current), id=d.name) for d in self.devices], id="devices")
            yield Static(
                Content("Enter chooses, Escape keeps the current one. Nothing re-runs by itself."),
                classes="dialog-detail",
            )

    def on_mount(self) -> None:
        options = self.query_one("#devices", OptionList)
        names = [d.name for d in self.devices]
        if self.current in names:
            options.highlighted = names.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
