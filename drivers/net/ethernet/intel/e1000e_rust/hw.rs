// SPDX-License-Identifier: GPL-2.0

//! Register-level operations on the 82574L.

#![forbid(unsafe_code)]

use crate::regs::{self, ctrl, ctrl_ext, int, ivar, mdic, rctl, status, tctl};
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use kernel::{delay::msleep, devres::Devres, pci::Bar, prelude::*, revocable::RevocableGuard};

/// MSI-X vectors: receive, transmit, and the other causes.
pub(crate) const VEC_RX: u32 = 0;
pub(crate) const VEC_TX: u32 = 1;
pub(crate) const VEC_OTHER: u32 = 2;
/// How many MSI-X vectors the driver asks for.
pub(crate) const MSIX_VECTORS: u32 = 3;

/// The device's register window, and the state that goes with it. What
/// the registers mean is on [`Regs`].
///
/// The window is revoked when the device unbinds: from then on reads return
/// all ones, as from a PCI device that is gone, and writes are dropped.
pub(crate) struct Hw {
    bar: Devres<Bar<{ regs::BAR0_SIZE }>>,
    /// Interrupts come as MSI-X, one vector per queue.
    msix: bool,
    /// MSI-X: the transmit cause is unmasked (IMS.TXQ0). The device masks
    /// it when the transmit vector fires (EIAC).
    tx_armed: AtomicBool,
}

impl Hw {
    pub(crate) fn new(bar: Devres<Bar<{ regs::BAR0_SIZE }>>, msix: bool) -> Self {
        Self {
            bar,
            msix,
            tx_armed: AtomicBool::new(false),
        }
    }

    /// The registers for one stretch of work (a transmit, a poll, an
    /// interrupt): the window is checked once, and every access of the
    /// stretch is made under that one check (one SRCU read-side section,
    /// not one per access). Keep it short: the unbind waits for it.
    #[inline(always)]
    pub(crate) fn regs(&self) -> Regs<'_> {
        Regs {
            bar: self.bar.try_access(),
            hw: self,
        }
    }

    /// The receive filter bits for promiscuous and multicast modes.
    pub(crate) fn rx_mode_bits(promisc: bool, multicast: bool) -> u32 {
        let mut bits = 0;
        if promisc {
            bits |= rctl::UPE | rctl::MPE;
        } else if multicast {
            bits |= rctl::MPE;
        }
        bits
    }

    /// MSI-X: the transmit vector fired, which masked its cause.
    pub(crate) fn tx_irq_fired(&self) {
        self.tx_armed.store(false, Relaxed);
    }
}

/// The registers of a [`Hw`], for one stretch of work: reads return all
/// ones and writes are dropped if the window was revoked when the stretch
/// began.
pub(crate) struct Regs<'a> {
    bar: Option<RevocableGuard<'a, Bar<{ regs::BAR0_SIZE }>>>,
    hw: &'a Hw,
}

impl Regs<'_> {
    #[inline(always)]
    pub(crate) fn read(&self, reg: usize) -> u32 {
        match &self.bar {
            Some(bar) => bar.read32(reg),
            None => u32::MAX,
        }
    }

    #[inline(always)]
    pub(crate) fn write(&self, reg: usize, value: u32) {
        if let Some(bar) = &self.bar {
            bar.write32(value, reg)
        }
    }

    /// Masks every interrupt and stops both DMA engines.
    pub(crate) fn quiesce(&self) {
        self.write(regs::IMC, int::ALL);
        self.write(regs::RCTL, 0);
        self.write(regs::TCTL, tctl::PSP);
        // Flush the posted writes.
        let _ = self.read(regs::STATUS);
    }

    /// Stops the device's DMA before the rings and buffers are freed, as
    /// the C driver's `e1000e_down` does: clearing the enable bits does not
    /// abort a frame in flight, so stop transmitting, give the engines time
    /// to finish (10 ms), write back pending descriptors (FPD), then reset
    /// the device, which ends every DMA. The receiver is left on until the
    /// reset: the 82574 must not have RCTL.EN cleared while running
    /// (FLAG2_NO_DISABLE_RX in the C driver's 82571.c). Process context.
    pub(crate) fn stop_dma(&self) -> Result {
        self.write(regs::TCTL, self.read(regs::TCTL) & !tctl::EN);
        let _ = self.read(regs::STATUS);
        msleep(10);
        self.write(regs::IMC, int::ALL);
        // Twice, as e1000e_flush_descriptors does ("rare timing issues").
        for _ in 0..2 {
            self.write(regs::TIDV, regs::DTR_FPD);
            self.write(regs::RDTR, regs::DTR_FPD);
            let _ = self.read(regs::STATUS);
        }
        self.reset()
    }

    /// Global reset, then link up. Fails if the reset bit never clears.
    pub(crate) fn reset(&self) -> Result {
        self.quiesce();
        self.write(regs::CTRL, self.read(regs::CTRL) | ctrl::RST);
        // The reset bit clears itself once the device is back; poll it a
        // bounded number of times (each read is a round trip to the device).
        let mut tries = 0;
        while self.read(regs::CTRL) & ctrl::RST != 0 {
            tries += 1;
            if tries > 100_000 {
                return Err(EIO);
            }
        }
        self.write(regs::IMC, int::ALL);
        let _ = self.read(regs::ICR);
        self.write(regs::CTRL, self.read(regs::CTRL) | ctrl::SLU);
        Ok(())
    }

    /// The MAC address the device came up with (RAL0/RAH0).
    pub(crate) fn mac(&self) -> [u8; 6] {
        let lo = self.read(regs::RAL0).to_le_bytes();
        let hi = self.read(regs::RAH0).to_le_bytes();
        [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1]]
    }

    /// Programs receive address 0.
    pub(crate) fn set_mac(&self, mac: &[u8; 6]) {
        let lo = u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]);
        let hi = u32::from_le_bytes([mac[4], mac[5], 0, 0]) | regs::RAH_AV;
        self.write(regs::RAL0, lo);
        self.write(regs::RAH0, hi);
    }

    pub(crate) fn link_up(&self) -> bool {
        self.read(regs::STATUS) & status::LU != 0
    }

    /// Points the transmit unit at a ring of `count` descriptors at `dma`
    /// and enables it.
    pub(crate) fn start_tx(&self, dma: u64, count: usize) {
        // CAST: the ring lies below 2^64; the halves are written separately.
        self.write(regs::TDBAL, dma as u32);
        self.write(regs::TDBAH, (dma >> 32) as u32);
        // CAST: rings are at most 4096 descriptors of 16 bytes.
        self.write(regs::TDLEN, (count * 16) as u32);
        self.write(regs::TDH, 0);
        self.write(regs::TDT, 0);
        self.write(regs::TXDCTL, regs::TXDCTL_WTHRESH_1_GRAN);
        self.write(regs::TIPG, regs::TIPG_COPPER);
        self.write(regs::TARC0, self.read(regs::TARC0) | regs::TARC0_ENABLE);
        self.write(
            regs::TCTL,
            tctl::EN | tctl::PSP | tctl::CT_15 | tctl::COLD_63 | tctl::RTLC,
        );
    }

    /// Points the receive unit at a ring of `count` legacy descriptors at
    /// `dma`, gives it descriptors up to `tail` and enables it.
    pub(crate) fn start_rx(&self, dma: u64, count: usize, tail: usize, rx_mode: u32) {
        self.write(regs::RCTL, 0);
        self.write(regs::RFCTL, self.read(regs::RFCTL) & !regs::RFCTL_EXTEN);
        self.write(regs::RXCSUM, regs::RXCSUM_IPOFL_TUOFL);
        // CAST: as in `start_tx`.
        self.write(regs::RDBAL, dma as u32);
        self.write(regs::RDBAH, (dma >> 32) as u32);
        self.write(regs::RDLEN, (count * 16) as u32);
        self.write(regs::RDH, 0);
        self.write(regs::RDTR, 0);
        self.write(regs::RADV, 8);
        self.write(regs::ITR, regs::ITR_20K);
        // CAST: ring indices are below 4096.
        self.write(regs::RDT, tail as u32);
        self.write(
            regs::RCTL,
            rctl::rx_bits(rctl::EN | rctl::BAM | rctl::SECRC | rx_mode),
        );
    }

    /// Updates the filter bits of a running receiver.
    pub(crate) fn set_rx_mode(&self, bits: u32) {
        let v = self.read(regs::RCTL) & !(rctl::UPE | rctl::MPE);
        self.write(regs::RCTL, rctl::rx_bits(v | bits));
    }

    /// Routes the causes to the MSI-X vectors: a vector fires, clears and
    /// masks its queue cause without any register access by the handler
    /// (EIAC). Both queue vectors are throttled (EITR, about 20000/s at
    /// first, the receive one then by its load: `Nic::set_rx_throttle`;
    /// QEMU enforces at least 128 us once EITR is written). Measured with
    /// the receive vector unthrottled, its ring overflowed more often
    /// under load and fewer datagrams got through.
    pub(crate) fn configure_msix(&self) {
        if !self.hw.msix {
            return;
        }
        let v = |vec: u32, shift: u32| (ivar::VALID | vec) << shift;
        self.write(
            regs::IVAR,
            v(VEC_RX, ivar::RXQ0_SHIFT)
                | v(VEC_TX, ivar::TXQ0_SHIFT)
                | v(VEC_OTHER, ivar::OTHER_SHIFT)
                | ivar::TX_EVERY_WB,
        );
        let ext = self.read(regs::CTRL_EXT) & !ctrl_ext::IAME;
        self.write(regs::CTRL_EXT, ext | ctrl_ext::PBA_CLR | ctrl_ext::EIAME);
        self.write(regs::EIAC, int::QUEUES);
        // CAST: vector numbers are below 5.
        self.write(regs::eitr(VEC_TX as usize), regs::ITR_20K);
        self.write(regs::eitr(VEC_RX as usize), regs::ITR_20K);
    }

    /// Sets the receive interrupts' throttling: about 4000/s when `bulk`,
    /// else about 20000/s (the receive vector's EITR with MSI-X, ITR
    /// without, where it throttles every cause).
    pub(crate) fn set_rx_throttle(&self, bulk: bool) {
        let v = if bulk { regs::ITR_4K } else { regs::ITR_20K };
        if self.hw.msix {
            // CAST: vector numbers are below 5.
            self.write(regs::eitr(VEC_RX as usize), v);
        } else {
            self.write(regs::ITR, v);
        }
    }

    /// Unmasks every cause the driver handles.
    pub(crate) fn enable_irqs(&self) {
        if self.hw.msix {
            self.hw.tx_armed.store(true, Relaxed);
            self.write(regs::IMS, int::QUEUES | int::OTHERS);
        } else {
            self.write(regs::IMS, int::ENABLED);
        }
    }

    /// Unmasks the receive causes once a NAPI poll is complete (with MSI or
    /// INTx: every cause; the transmit cause then stays on).
    pub(crate) fn enable_rx_irq(&self) {
        if self.hw.msix {
            self.write(regs::IMS, int::RXQ0);
        } else {
            self.write(regs::IMS, int::ENABLED);
        }
    }

    /// MSI-X: unmasks the transmit cause, because sent packets wait to be
    /// reclaimed. Without any, it stays masked: no transmit interrupts.
    pub(crate) fn arm_tx_irq(&self) {
        if self.hw.msix && !self.hw.tx_armed.swap(true, Relaxed) {
            self.write(regs::IMS, int::TXQ0);
        }
    }

    /// MSI-X "other" vector: reads and clears the non-queue causes (ICR does
    /// not clear on read with MSI-X while CTRL_EXT.IAME is clear, but may on
    /// hardware that does). Queue causes seen pending are raised again (ICS),
    /// as the C driver's `e1000_msix_other` does, so that a read that cleared
    /// them cannot lose their vector's interrupt.
    pub(crate) fn take_other_causes(&self) -> u32 {
        let all = self.read(regs::ICR);
        if all & int::QUEUES != 0 {
            self.write(regs::ICS, all & int::QUEUES);
        }
        let icr = all & int::OTHERS;
        if icr != 0 {
            self.write(regs::ICR, icr);
        }
        icr
    }

    pub(crate) fn disable_irqs(&self) {
        self.hw.tx_armed.store(false, Relaxed);
        self.write(regs::IMC, int::ALL);
    }

    /// Reads and clears the pending interrupt causes.
    pub(crate) fn take_causes(&self) -> u32 {
        self.read(regs::ICR)
    }

    pub(crate) fn set_rx_tail(&self, tail: usize) {
        // CAST: ring indices are below 4096.
        self.write(regs::RDT, tail as u32)
    }

    pub(crate) fn set_tx_tail(&self, tail: usize) {
        // CAST: ring indices are below 4096.
        self.write(regs::TDT, tail as u32)
    }

    /// One MDIC transaction (`op` on PHY register `reg`); the register's
    /// value. `EIO` if the device reports an error or never finishes.
    fn mdic(&self, op: u32, reg: u32, data: u16) -> Result<u16> {
        self.write(
            regs::MDIC,
            op | mdic::PHY_ADDR | (reg << mdic::REG_SHIFT) | u32::from(data),
        );
        // A bounded number of polls, each a round trip to the device.
        for _ in 0..10_000 {
            let v = self.read(regs::MDIC);
            if v & mdic::ERROR != 0 {
                return Err(EIO);
            }
            if v & mdic::READY != 0 {
                // CAST: the data field is the low 16 bits.
                return Ok(v as u16);
            }
        }
        Err(EIO)
    }

    /// Restarts autonegotiation on the PHY: the link goes down, and the
    /// device raises a link status change once it is up again.
    pub(crate) fn restart_autoneg(&self) -> Result {
        let ctl = self.mdic(mdic::OP_READ, mdic::PHY_CTRL, 0)?;
        let ctl = ctl | mdic::CTRL_AUTONEG_EN | mdic::CTRL_RESTART_AUTONEG;
        self.mdic(mdic::OP_WRITE, mdic::PHY_CTRL, ctl).map(|_| ())
    }

    /// Reads, and so clears, the receive error statistics. All zero once
    /// the device is gone.
    pub(crate) fn take_rx_stats(&self) -> RxStats {
        let Some(bar) = &self.bar else {
            return RxStats::default();
        };
        RxStats {
            missed: bar.read32(regs::MPC),
            crc: bar.read32(regs::CRCERRS),
            length: bar.read32(regs::RUC).wrapping_add(bar.read32(regs::ROC)),
            other: bar
                .read32(regs::RXERRC)
                .wrapping_add(bar.read32(regs::ALGNERRC))
                .wrapping_add(bar.read32(regs::CEXTERR)),
        }
    }

    /// Fills `out` with the registers of [`regs::DUMP`], in order (all ones
    /// once the device is gone).
    pub(crate) fn dump(&self, out: &mut [u32]) {
        let bar = &self.bar;
        for (slot, &reg) in out.iter_mut().zip(regs::DUMP.iter()) {
            *slot = bar
                .as_ref()
                .and_then(|b| b.try_read32(reg).ok())
                .unwrap_or(u32::MAX);
        }
    }
}

/// Receive errors the device counted since its statistics were last read.
#[derive(Default)]
pub(crate) struct RxStats {
    /// Frames dropped for lack of a receive descriptor.
    pub(crate) missed: u32,
    /// Frames with a bad CRC.
    pub(crate) crc: u32,
    /// Frames too short or too long.
    pub(crate) length: u32,
    /// Symbol, alignment and carrier extension errors.
    pub(crate) other: u32,
}
