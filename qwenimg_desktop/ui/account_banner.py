"""The banner shown while the fal account is locked: why, where to top up, and Resume."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label

BILLING_PAGE: Final = "https://fal.ai/dashboard/billing"


class AccountLockedBanner(QFrame):
    """Says that fal locked the account and that sending is paused (waiting jobs stay queued,
    jobs already at fal are still followed). Resume lets the waiting jobs go; it is never done
    on its own, because a lock that outlives a top-up needs fal's support, not retries."""

    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountLockedBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.message = plain_label("", self)
        self.message.setWordWrap(True)
        self.billing = QPushButton(translate("AccountBanner", "Open fal billing"), self)
        self.billing.clicked.connect(self._open_billing)
        self.resume = QPushButton(translate("AccountBanner", "Resume"), self)
        self.resume.setToolTip(translate(
            "AccountBanner", "Send the waiting jobs (after topping up)"))
        self.resume.clicked.connect(self._resume)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.message, 1)
        row.addWidget(self.billing)
        row.addWidget(self.resume)
        self.hide()

    def show_lock(self, reason: str) -> None:
        """Show the banner with fal's reason."""
        self.message.setText(
            translate(
                "AccountBanner", "fal locked this account ({reason}). Sending is paused: "
                "waiting jobs stay in the queue and jobs already at fal are still followed. Top "
                "up, then press Resume. If the lock stays after a top-up, contact fal support."
            ).format(reason=reason or translate("AccountBanner", "no reason given")))
        self.show()

    def _open_billing(self) -> None:
        QDesktopServices.openUrl(QUrl(BILLING_PAGE))

    def _resume(self) -> None:
        self.hide()
        self.resume_requested.emit()
