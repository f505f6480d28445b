"""i.MX6 General Purpose Timer (GPT): a 32-bit up-counter with three compares.

Register layout and reset values from the i.MX6DQ reference manual (chapter
GPT); behaviour cross-checked with QEMU's hw/timer/imx_gpt.c and Linux's
drivers/clocksource/timer-imx-gpt.c. CNT is computed from simulated time;
one event is scheduled, for the next tick at which a clear status flag would
be set. Ticks are counted from an epoch so periods do not drift.
"""

from __future__ import annotations

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.sim.events import Event

PS_PER_S = 10**12
WRAP = 1 << 32

CR_EN, CR_ENMOD, CR_FRR, CR_SWR = 1 << 0, 1 << 1, 1 << 9, 1 << 15
CR_KEEP_ON_SWR = 0x2F  #: EN, ENMOD, DBGEN, WAITEN, STOPEN survive a software reset
SR_OF = (1 << 0, 1 << 1, 1 << 2)
SR_ROV = 1 << 5
SR_MASK = 0x3F
CLKSRC_OSC = 5  #: 24 MHz crystal, divided by PR.PRESCALER24M first


class ImxGPT(Device):
    """GPT at 0x02098000 (GIC ID 87 = SPI 55, level): ``irq`` = (SR & IR) != 0.

    Clock sources (CR.CLKSRC): 1 peripheral ``ipg_hz``, 2 high-frequency reference
    ``highfreq_hz``, 3 external ``ext_hz`` (0: stopped), 4 ``ckil_hz`` (32 kHz),
    5 ``osc_hz`` / (PRESCALER24M+1), as Linux uses on i.MX6Q rev 1.1+. Restart mode
    (FRR=0) wraps to 0 on the tick after CNT == OCR1 and a write to OCR1 resets
    CNT; free-run (FRR=1) wraps at 2**32 setting ROV. Input capture (ICR1/2)
    is not modelled. Unlike QEMU, the line does not also require CR.EN.
    """

    SIZE = 0x4000
    REGS = (
        Reg(0x00, "GPT_CR"),
        Reg(0x04, "GPT_PR", wmask=0xFFFF, doc="PRESCALER 11:0, PRESCALER24M 15:12"),
        Reg(0x08, "GPT_SR", w1c=SR_MASK, reserved=~SR_MASK & 0xFFFFFFFF,
            doc="OF1-3 bits 0-2, IF1-2 bits 3-4, ROV bit 5; write 1 to clear"),
        Reg(0x0C, "GPT_IR", wmask=SR_MASK),
        Reg(0x10, "GPT_OCR1", reset=0xFFFFFFFF),
        Reg(0x14, "GPT_OCR2", reset=0xFFFFFFFF),
        Reg(0x18, "GPT_OCR3", reset=0xFFFFFFFF),
        Reg(0x1C, "GPT_ICR1", access="r"),
        Reg(0x20, "GPT_ICR2", access="r"),
        Reg(0x24, "GPT_CNT", access="r"),
    )

    def __init__(
        self,
        machine: MachineContext,
        base: int = 0x02098000,
        name: str = "gpt",
        *,
        ipg_hz: int = 66_000_000,
        highfreq_hz: int = 66_000_000,
        ckil_hz: int = 32_768,
        osc_hz: int = 24_000_000,
        ext_hz: int = 0,
    ) -> None:
        super().__init__(machine, base, name)
        self.irq = IrqLine(f"{name}.irq")
        self._clocks = {1: ipg_hz, 2: highfreq_hz, 3: ext_hz, 4: ckil_hz, CLKSRC_OSC: osc_hz}
        self._v = self.regs.values
        self.running = False
        self.count = 0  # CNT while stopped; CNT at tick base_k while running
        self.epoch = self.base_k = self.done = 0  # ticks count from epoch; done: relative
        self.event: Event | None = None

    def reg(self, name: str) -> int:
        return self._v[name][0]

    # -- clock ---------------------------------------------------------------
    def _rate(self) -> tuple[int, int]:
        """(source Hz, divider) for the current CR.CLKSRC and PR."""
        src = (self.reg("GPT_CR") >> 6) & 7
        pr = self.reg("GPT_PR")
        div = (pr & 0xFFF) + 1
        if src == CLKSRC_OSC:
            div *= ((pr >> 12) & 0xF) + 1
        return self._clocks.get(src, 0), div

    def _tick_time(self, k: int) -> int:
        hz, div = self._rate()
        return self.epoch + -(-(self.base_k + k) * div * PS_PER_S // hz)

    def _ticks_at(self, now: int) -> int:
        hz, div = self._rate()
        return (now - self.epoch) * hz // (div * PS_PER_S) - self.base_k

    # -- counter as a function of ticks since the epoch --------------------------
    def _restart_mode(self) -> bool:
        return not self.reg("GPT_CR") & CR_FRR

    def _cyclic(self, k: int) -> bool:
        """In restart mode once CNT is at or below OCR1 (after any initial wrap)."""
        r = self.reg("GPT_OCR1")
        return self._restart_mode() and (self.count <= r or self.count + k >= WRAP)

    def _cnt_at(self, k: int) -> int:
        p = self.count + k
        r = self.reg("GPT_OCR1")
        if self._restart_mode() and self.count <= r:
            return p % (r + 1)
        if p < WRAP:
            return p
        return (p - WRAP) % (r + 1 if self._restart_mode() else WRAP)

    def _ticks_until(self, value: int, k: int) -> int | None:
        """Ticks after tick ``k`` until CNT next equals ``value`` (None: never)."""
        c, r = self._cnt_at(k), self.reg("GPT_OCR1")
        if self._cyclic(k):
            return None if value > r else (value - c) % (r + 1) or r + 1
        if value > c:
            return value - c
        if self._restart_mode() and value > r:
            return None
        return WRAP - c + value

    def _next_event(self) -> tuple[int, int] | None:
        """(tick, flags) of the next tick after ``done`` that sets a clear flag."""
        sr = self.reg("GPT_SR")
        best: int | None = None
        for n, name in enumerate(("GPT_OCR1", "GPT_OCR2", "GPT_OCR3")):
            if not sr & SR_OF[n]:
                d = self._ticks_until(self.reg(name), self.done)
                best = d if best is None or (d is not None and d < best) else best
        if not sr & SR_ROV and not self._cyclic(self.done):
            d = WRAP - self._cnt_at(self.done)
            best = d if best is None or d < best else best
        if best is None:
            return None
        k = self.done + best
        cnt = self._cnt_at(k)
        flags = sum(
            SR_OF[n]
            for n, name in enumerate(("GPT_OCR1", "GPT_OCR2", "GPT_OCR3"))
            if cnt == self.reg(name)
        )
        if cnt == 0 and not self._restart_mode():
            flags |= SR_ROV
        return k, flags

    # -- scheduling --------------------------------------------------------------
    def _cancel(self) -> None:
        if self.event is not None:
            self.event.cancel()
            self.event = None

    def _schedule(self) -> None:
        self._cancel()
        if not self.running:
            return
        nxt = self._next_event()
        if nxt is not None:
            self.event = self.machine.schedule(self._tick_time(nxt[0]), self._fire, self.name)

    def _fire(self) -> None:
        self.event = None
        nxt = self._next_event()
        if nxt is None:
            return
        self.done = nxt[0]
        self._v["GPT_SR"][0] |= nxt[1]
        self._update_irq()
        self._schedule()

    def _sync(self, now: int) -> None:
        """Apply every flag due by ``now``, then move the epoch to the current tick."""
        if not self.running:
            return
        k_now = self._ticks_at(now)
        while (nxt := self._next_event()) is not None and nxt[0] <= k_now:
            self.done = nxt[0]
            self._v["GPT_SR"][0] |= nxt[1]
        self.count, self.base_k, self.done = self._cnt_at(k_now), self.base_k + k_now, 0
        self._update_irq()

    def _start(self, now: int) -> None:
        hz, _ = self._rate()
        self.running = bool(self.reg("GPT_CR") & CR_EN) and hz > 0
        self.epoch, self.base_k, self.done = now, 0, 0
        self._schedule()

    def _update_irq(self) -> None:
        self.irq.set(bool(self.reg("GPT_SR") & self.reg("GPT_IR")))

    def _stop(self) -> None:
        self._cancel()
        self.running = False

    # -- registers -----------------------------------------------------------------
    def write_GPT_CR(self, cpu: int, index: int, value: int) -> None:
        now = self.machine.now(cpu)
        self._sync(now)
        old = self.reg("GPT_CR")
        if value & CR_SWR:
            self._stop()
            self.regs.reset()
            self.count = 0
            value &= CR_KEEP_ON_SWR
        self._v["GPT_CR"][0] = value & ~CR_SWR
        if value & CR_EN and not old & CR_EN and value & CR_ENMOD:
            self.count = 0
        self._update_irq()
        self._start(now)

    def write_GPT_PR(self, cpu: int, index: int, value: int) -> None:
        now = self.machine.now(cpu)
        self._sync(now)
        self._v["GPT_PR"][0] = value
        self._start(now)

    def read_GPT_SR(self, cpu: int, index: int) -> int:
        if self.running:
            self._sync(self.machine.now(cpu))
            self._schedule()
        return self.reg("GPT_SR")

    def write_GPT_SR(self, cpu: int, index: int, value: int) -> None:
        self._sync(self.machine.now(cpu))
        self.regs.store("GPT_SR", 0, value)
        self._update_irq()
        self._schedule()

    def write_GPT_IR(self, cpu: int, index: int, value: int) -> None:
        self._v["GPT_IR"][0] = value
        self._update_irq()

    def write_GPT_OCR1(self, cpu: int, index: int, value: int) -> None:
        now = self.machine.now(cpu)
        self._sync(now)
        self._v["GPT_OCR1"][0] = value
        if self._restart_mode():
            self.count = 0  # restart mode: writing OCR1 resets the counter
            self._start(now)
        else:
            self._schedule()

    def _write_ocr(self, cpu: int, name: str, value: int) -> None:
        self._sync(self.machine.now(cpu))
        self._v[name][0] = value
        self._schedule()

    def write_GPT_OCR2(self, cpu: int, index: int, value: int) -> None:
        self._write_ocr(cpu, "GPT_OCR2", value)

    def write_GPT_OCR3(self, cpu: int, index: int, value: int) -> None:
        self._write_ocr(cpu, "GPT_OCR3", value)

    def read_GPT_CNT(self, cpu: int, index: int) -> int:
        if not self.running:
            return self.count
        return self._cnt_at(self._ticks_at(self.machine.now(cpu)))

    def reset(self) -> None:
        self._stop()
        super().reset()
        self.count = 0
        self._update_irq()
