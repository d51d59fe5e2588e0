"""The lightbox: one result image as large as the screen allows; arrow keys step through the
job's images and Esc closes it."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.image_view import ImageView
from qwenimg_desktop.ui.safe_text import plain_label

_STEPS: Final = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageUp: -1,
                 Qt.Key.Key_Right: +1, Qt.Key.Key_Down: +1, Qt.Key.Key_PageDown: +1}


class Lightbox(QDialog):
    """Shows what its owner gives it; asks the owner for the previous / next image.

    Signals:
        step(int): -1 for the previous image, +1 for the next (the owner wraps around).
    """

    step = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lightbox")
        self.setWindowTitle(translate("Lightbox", "Image"))
        self.view = ImageView(self)
        self.caption = plain_label("", self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        # The view never takes focus, so the arrows reach keyPressEvent instead of scrolling.
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Esc closes (QDialog's own reject); so does a double-click on the image.
        self.view.viewport().installEventFilter(self)

    def __repr__(self) -> str:
        return f"<Lightbox {self.caption.text()!r}>"

    def show_image(self, image: QImage | None, caption: str) -> None:
        self.view.set_image(image)
        self.view.fit()
        self.caption.setText(caption)

    def open_fitted(self) -> None:
        """Open over most of the screen the owner is on (not blocking it)."""
        owner = self.parentWidget()
        screen = (owner.screen() if owner is not None else self.screen()).availableGeometry()
        width, height = screen.width() * 9 // 10, screen.height() * 9 // 10
        self.resize(width, height)
        self.move(screen.center().x() - width // 2, screen.center().y() - height // 2)
        self.show()
        self.raise_()
        self.activateWindow()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        delta = _STEPS.get(Qt.Key(event.key()))
        if delta is not None:
            self.step.emit(delta)
            event.accept()
            return
        super().keyPressEvent(event)  # Esc: QDialog's reject closes it

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonDblClick:
            self.close()
            return True
        return False
