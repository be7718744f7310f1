// SPDX-License-Identifier: GPL-2.0

//! Network device operations, the interrupt handler and NAPI poll.
//!
//! Interrupts: with MSI-X, the receive and transmit vectors fire with their
//! cause already cleared and masked by the device (EIAC), so their handler
//! only schedules NAPI, without touching a register; the "other" vector
//! reads and clears the link and overrun causes. With MSI or INTx, one
//! handler reads (and so clears) ICR, masks every cause and keeps the causes
//! for the poll. The poll reclaims transmitted buffers, receives up to its
//! budget, handles a link change, and unmasks the queue causes once
//! `napi_complete_done` says polling is over.
//!
//! Receive throttling adapts to the load: a receive cycle (the frames the
//! polls took from the unmasking of the receive interrupt to the end of
//! the polls it started) of `RX_BULK_ENTER` frames or more moves it to
//! about 4000 interrupts/s; `RX_BULK_LEAVE_CYCLES` smaller cycles in a row,
//! or a receive overrun, move it back to about 20000/s (see
//! [`RxThrottle`]). A flood then costs the receiving CPU half the
//! interrupts and polls, which under load are time its sockets' readers do
//! not get; a lone frame (a ping, a request) is never delayed, since the
//! device throttles only an interrupt that follows another closely.
//!
//! Locking: the transmit ring is shared by `start_xmit` (BH context, queue
//! lock held) and the poll (softirq); the receive ring is the poll's alone
//! while NAPI runs. Both sit in spinlocks taken from those contexts, and by
//! `open`/`stop` (process context) with bottom halves disabled, as lockdep
//! requires of a lock that softirqs take. The two are never held together:
//! the poll holds the receive lock while GRO may transmit (taking the
//! transmit lock), so no path may take them in the other order. A third,
//! `rx_filter`, orders `set_rx_mode`'s changes of RCTL against the ring
//! start and stop (a ring resize under a running interface among them);
//! it is taken alone.

#![forbid(unsafe_code)]

use crate::{
    hw::{Hw, Regs, VEC_OTHER, VEC_RX, VEC_TX},
    regs::{self, int},
    ring::{may_wake, must_stop, RxFrame, RxRing, TxOffload, TxRing, RX_BUF_LEN, TX_WAKE},
};
use core::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64,
    Ordering::{Relaxed, SeqCst},
};
use kernel::{
    c_str,
    delay::msleep,
    irq::{self, IrqReturn},
    net::{
        dev::{
            with_bh_disabled, Device, DeviceOperations, DeviceRef, DrvInfo, Features, Handle,
            NetdevTx, RingParam, Stats64, ETH_ALEN,
        },
        napi::{Napi, Poll, PollCtx, PollDone},
        skb::{DropReason, SkBuff},
    },
    new_mutex, new_spinlock,
    pci::{IrqKind, IrqVectors},
    prelude::*,
    sync::{Arc, Mutex, SpinLock},
};

/// Frames in one receive cycle from which the receive interrupt is
/// throttled to about 4000/s, and how many smaller cycles in a row end it.
pub(crate) const RX_BULK_ENTER: u32 = 6;
pub(crate) const RX_BULK_LEAVE_CYCLES: u32 = 4;

/// The receive interrupt's throttling.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RxThrottle {
    /// About 20000 interrupts/s.
    Light,
    /// About 4000 interrupts/s, with `calm` cycles in a row of fewer than
    /// `RX_BULK_ENTER` frames seen since the last larger one.
    Bulk { calm: u32 },
}

impl RxThrottle {
    /// The throttling after a receive cycle of `frames` frames. A cycle of
    /// none (polls another cause started) changes nothing; a flood's gaps
    /// make a small cycle now and then, which alone must not end the
    /// throttling (each change is a register write).
    pub(crate) fn next(self, frames: u32) -> Self {
        match (self, frames) {
            (s, 0) => s,
            (_, f) if f >= RX_BULK_ENTER => Self::Bulk { calm: 0 },
            (Self::Light, _) => Self::Light,
            (Self::Bulk { calm }, _) if calm.saturating_add(1) >= RX_BULK_LEAVE_CYCLES => {
                Self::Light
            }
            (Self::Bulk { calm }, _) => Self::Bulk { calm: calm + 1 },
        }
    }

    pub(crate) fn is_bulk(self) -> bool {
        matches!(self, Self::Bulk { .. })
    }

    fn to_raw(self) -> u32 {
        match self {
            Self::Light => 0,
            Self::Bulk { calm } => calm.saturating_add(1),
        }
    }

    fn from_raw(v: u32) -> Self {
        match v.checked_sub(1) {
            None => Self::Light,
            Some(calm) => Self::Bulk { calm },
        }
    }
}

/// Descriptors per ring at first; `ethtool -G` sets other sizes between
/// `RING_MIN` (`TX_RING_MIN` for transmit) and `RING_MAX`, as the C
/// driver does (a size below the least is raised to it, and every size is
/// rounded up to a multiple of 8: a ring's length in bytes must be a
/// multiple of 128).
pub(crate) const RING_DEFAULT: u32 = 256;
pub(crate) const RING_MIN: u32 = 64;
pub(crate) const RING_MAX: u32 = 4096;
const RING_MULTIPLE: u32 = 8;
/// The least transmit ring: one whose free descriptors can reach the wake
/// threshold, or a stopped queue would never wake (it grows with
/// `CONFIG_MAX_SKB_FRAGS`; 64 with the default of 17).
// CAST: `TX_WAKE` is a few dozen.
pub(crate) const TX_RING_MIN: u32 = {
    let least = (TX_WAKE as u32 + 1).next_multiple_of(RING_MULTIPLE);
    if least > RING_MIN {
        least
    } else {
        RING_MIN
    }
};
const _: () = assert!(TX_RING_MIN <= RING_DEFAULT && RING_DEFAULT <= RING_MAX);

/// The offloads the device offers (`ethtool -K` toggles them).
pub(crate) const FEATURES: Features = FEATURES_ON.or(Features::TSO6);

/// The offloads on at first: all but IPv6 segmentation, which QEMU 7.2's
/// 82574 model gets wrong (segments are lost and TCP crawls, with the C
/// e1000e as well); `ethtool -K ethX tx-tcp6-segmentation on` enables it.
pub(crate) const FEATURES_ON: Features = Features::SG
    .or(Features::IP_CSUM)
    .or(Features::IPV6_CSUM)
    .or(Features::TSO)
    .or(Features::RXCSUM)
    .or(Features::HIGHDMA);

/// Counters, updated without locks: the software ones by one writer each
/// (the poll, or the transmit path under its lock), the device's
/// statistics by whoever reads the clear-on-read registers.
#[derive(Default)]
struct Counters {
    rx_packets: AtomicU64,
    rx_bytes: AtomicU64,
    rx_dropped: AtomicU64,
    rx_errors: AtomicU64,
    tx_packets: AtomicU64,
    tx_bytes: AtomicU64,
    tx_dropped: AtomicU64,
    hw_missed: AtomicU64,
    hw_crc: AtomicU64,
    hw_length: AtomicU64,
    hw_other: AtomicU64,
    /// Receiver overrun interrupts (the device had no buffer for a frame).
    overruns: AtomicU64,
}

fn add(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
}

type IrqReg = Pin<KBox<irq::Registration<IrqHandler>>>;

/// The driver's state, in the net device's private area.
#[pin_data]
pub(crate) struct Nic {
    pub(crate) hw: Hw,
    #[pin]
    pub(crate) napi: Napi,
    vectors: Arc<IrqVectors>,
    #[pin]
    tx: SpinLock<Option<TxRing>>,
    #[pin]
    rx: SpinLock<Option<RxRing>>,
    /// Whether the receiver runs, so that `set_rx_mode` may change its
    /// filter bits. The lock orders `set_rx_mode`'s read-modify-write of
    /// RCTL (BH disabled, possibly from a softirq) against the ring
    /// start's writes of it (process context, BH disabled): without it, a
    /// filter change could write back RCTL with EN clear after the start
    /// set it, or the start could write filter bits read before a change.
    #[pin]
    rx_filter: SpinLock<bool>,
    /// The interrupt handlers while the interface is up, one per vector.
    #[pin]
    irq: Mutex<[Option<IrqReg>; 3]>,
    /// Causes read by the handler, not yet handled by the poll.
    causes: AtomicU32,
    /// The receive throttling ([`RxThrottle`], as `to_raw` gives it) and
    /// the frames of the receive cycle so far: written by the poll before
    /// it gives NAPI up (one poll runs at a time until then), and by
    /// `start_rings` while NAPI is disabled.
    rx_throttle: AtomicU32,
    rx_cycle: AtomicU32,
    /// The ring sizes the next open uses (`ethtool -G`): changed and read
    /// under RTNL only, as are `open` and `stop`.
    rx_count: AtomicU32,
    tx_count: AtomicU32,
    /// Set while the device resets under a running interface (a ring
    /// resize): its statistics registers are not read then, as the C
    /// driver skips them while resetting. `stats_readers` counts the
    /// readers past that check, whom the reset waits for.
    resetting: AtomicBool,
    stats_readers: AtomicU32,
    counters: Counters,
}

impl Nic {
    pub(crate) fn new(hw: Hw, vectors: Arc<IrqVectors>) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            hw,
            napi <- Napi::new(),
            vectors,
            tx <- new_spinlock!(None, "e1000e_rust:tx"),
            rx <- new_spinlock!(None, "e1000e_rust:rx"),
            rx_filter <- new_spinlock!(false, "e1000e_rust:rx_filter"),
            irq <- new_mutex!([None, None, None], "e1000e_rust:irq"),
            causes: AtomicU32::new(0),
            rx_throttle: AtomicU32::new(0),
            rx_cycle: AtomicU32::new(0),
            rx_count: AtomicU32::new(RING_DEFAULT),
            tx_count: AtomicU32::new(RING_DEFAULT),
            resetting: AtomicBool::new(false),
            stats_readers: AtomicU32::new(0),
            counters: Counters::default(),
        }? Error)
    }

    fn rx_throttle(&self) -> RxThrottle {
        RxThrottle::from_raw(self.rx_throttle.load(Relaxed))
    }

    /// Records `next` as the receive throttling, and programs the device
    /// when it changes between light and bulk. Poll only (its one writer
    /// while NAPI runs): a load and a store, no read-modify-write, and
    /// neither when nothing changed, as in most polls.
    fn set_rx_throttle(&self, regs: &Regs<'_>, next: RxThrottle) {
        let was = self.rx_throttle();
        if was == next {
            return;
        }
        self.rx_throttle.store(next.to_raw(), Relaxed);
        if was.is_bulk() != next.is_bulk() {
            regs.set_rx_throttle(next.is_bulk());
        }
    }

    /// Adds what the device's statistics registers counted since they were
    /// last read.
    fn update_hw_stats(&self, regs: &Regs<'_>) {
        // Announced before the check (both sequentially consistent, as in
        // `stop_rings`): either this reader sees the reset coming, or the
        // reset sees this reader and waits for it.
        self.stats_readers.fetch_add(1, SeqCst);
        if self.resetting.load(SeqCst) {
            self.stats_readers.fetch_sub(1, SeqCst);
            return;
        }
        let s = regs.take_rx_stats();
        self.stats_readers.fetch_sub(1, SeqCst);
        let c = &self.counters;
        c.hw_missed.fetch_add(u64::from(s.missed), Relaxed);
        c.hw_crc.fetch_add(u64::from(s.crc), Relaxed);
        c.hw_length.fetch_add(u64::from(s.length), Relaxed);
        c.hw_other.fetch_add(u64::from(s.other), Relaxed);
    }

    /// Reclaims the packets the device has sent from `ring`, freeing each
    /// with `free`; wakes the queue when room came back, and keeps the
    /// transmit interrupt on while packets are still with the device.
    fn reclaim_tx(
        &self,
        dev: &Device<Self>,
        regs: &Regs<'_>,
        ring: &mut TxRing,
        free: impl Fn(SkBuff),
    ) {
        let (mut packets, mut bytes, mut n) = (0u64, 0u64, 0u64);
        while let Some((skb, frames, len)) = ring.pop_done() {
            if let Some(skb) = skb {
                free(skb);
            }
            n += 1;
            packets += u64::from(frames);
            bytes += u64::from(len);
        }
        if n > 0 {
            add(&self.counters.tx_packets, packets);
            add(&self.counters.tx_bytes, bytes);
            if dev.queue_stopped() && may_wake(ring.unused()) {
                dev.wake_queue();
            }
        }
        if ring.in_flight() {
            regs.arm_tx_irq();
        }
    }

    /// The poll's share of transmit: reclaim what was sent.
    fn clean_tx(&self, dev: &Device<Self>, regs: &Regs<'_>, ctx: &PollCtx<'_>) {
        let mut guard = self.tx.lock();
        if let Some(ring) = guard.as_mut() {
            self.reclaim_tx(dev, regs, ring, |skb| ctx.consume_skb(skb));
        }
    }

    /// Receives up to `budget` frames; returns how many were handled.
    fn clean_rx(&self, dev: &Device<Self>, regs: &Regs<'_>, ctx: &PollCtx<'_>, budget: i32) -> i32 {
        let mut guard = self.rx.lock();
        let Some(ring) = guard.as_mut() else { return 0 };
        let mut work = 0;
        let (mut packets, mut bytes) = (0u64, 0u64);
        let rxcsum = dev.features().contains(Features::RXCSUM);
        while work < budget {
            let Some(frame) = ring.pop(|len| ctx.alloc_skb(len)) else {
                break;
            };
            work += 1;
            match frame {
                Ok(RxFrame::Good(mut skb, len, csum_ok)) => {
                    if dev.eth_type_trans(&mut skb).is_err() {
                        skb.drop_with(DropReason::DevHdr);
                        add(&self.counters.rx_errors, 1);
                        continue;
                    }
                    if csum_ok && rxcsum {
                        skb.set_checksum_unnecessary();
                    }
                    packets += 1;
                    bytes += u64::from(len);
                    ctx.gro_receive(skb);
                }
                Ok(RxFrame::Bad) => add(&self.counters.rx_errors, 1),
                Err(_) => add(&self.counters.rx_dropped, 1),
            }
        }
        if let Some(tail) = ring.tail_to_give() {
            regs.set_rx_tail(tail);
        }
        if work > 0 {
            add(&self.counters.rx_packets, packets);
            add(&self.counters.rx_bytes, bytes);
        }
        work
    }

    fn update_link(&self, dev: &Device<Self>, regs: &Regs<'_>) {
        let up = regs.link_up();
        if up != dev.carrier_ok() {
            if up {
                dev.carrier_on();
            } else {
                dev.carrier_off();
            }
        }
    }

    /// Requests the interrupt handlers: one per MSI-X vector, or one for
    /// every cause.
    fn request_irqs(&self, dev: &Device<Self>) -> Result {
        let kind = self.vectors.kind();
        let flags = if kind == IrqKind::Intx {
            irq::Flags::SHARED
        } else {
            irq::Flags::NONE
        };
        let plan: &[(u32, Vector, &'static CStr)] = if kind == IrqKind::MsiX {
            &[
                (VEC_RX, Vector::Rx, c_str!("e1000e_rust-rx")),
                (VEC_TX, Vector::Tx, c_str!("e1000e_rust-tx")),
                (VEC_OTHER, Vector::Other, c_str!("e1000e_rust")),
            ]
        } else {
            &[(0, Vector::All, c_str!("e1000e_rust"))]
        };
        let mut regs = self.irq.lock();
        for (slot, &(index, vector, name)) in plan.iter().enumerate() {
            let handler = IrqHandler {
                dev: dev.into(),
                vector,
            };
            let reg = KBox::pin_init(
                irq::Registration::new(
                    dev.parent(),
                    self.vectors.clone(),
                    index,
                    flags,
                    name,
                    handler,
                ),
                GFP_KERNEL,
            )?;
            regs[slot] = Some(reg);
        }
        Ok(())
    }

    /// Allocates rings of `rx` and `tx` descriptors, receive buffers
    /// included.
    fn alloc_rings(dev: &Device<Self>, rx: u32, tx: u32) -> Result<(TxRing, RxRing)> {
        // CAST: ring sizes are at most `RING_MAX`.
        let tx = TxRing::new(dev.parent(), tx as usize)?;
        let rx = RxRing::new(dev.parent(), rx as usize, || {
            dev.alloc_skb_ip_align(RX_BUF_LEN)
        })?;
        Ok((tx, rx))
    }

    /// Gives `tx` and `rx` to the device (just reset: its address is set
    /// again, which the reset reloaded from the NVM) and to the driver.
    fn start_rings(&self, dev: &Device<Self>, tx: TxRing, mut rx: RxRing) {
        // Polling is off: the receive throttling starts light (ITR here,
        // the vectors' EITR in `configure_msix`).
        self.rx_throttle.store(RxThrottle::Light.to_raw(), Relaxed);
        self.rx_cycle.store(0, Relaxed);
        {
            let regs = self.hw.regs();
            regs.set_mac(&dev.mac());
            regs.start_tx(tx.desc.dma_handle(), tx.count());
            // The filter bits as they are once no `set_rx_mode` runs: one
            // that starts later sees the receiver running.
            with_bh_disabled(|| {
                let mut running = self.rx_filter.lock();
                let mode = Hw::rx_mode_bits(dev.promisc(), dev.wants_multicast());
                regs.start_rx(rx.desc.dma_handle(), rx.count(), rx.give_all(), mode);
                *running = true;
            });
        }
        with_bh_disabled(|| {
            *self.tx.lock() = Some(tx);
            *self.rx.lock() = Some(rx);
        });
    }

    /// With the interrupt handlers in place: routes the vectors, enables
    /// polling, takes the link state and unmasks the interrupts. The
    /// caller starts the transmit queue.
    fn start_polling(&self, dev: &Device<Self>) -> Result {
        self.hw.regs().configure_msix();
        self.napi.enable()?;
        let regs = self.hw.regs();
        self.update_link(dev, &regs);
        regs.enable_irqs();
        Ok(())
    }

    /// Stops transmit, interrupts, polling and the device's DMA (a reset),
    /// and takes the rings back. `None` if the device did not come out of
    /// reset: its DMA cannot be known to have stopped, so the rings were
    /// leaked where they are.
    fn stop_rings(&self, dev: &Device<Self>) -> Option<(Option<TxRing>, Option<RxRing>)> {
        // No filter change writes RCTL from here on (the reset clears it).
        with_bh_disabled(|| *self.rx_filter.lock() = false);
        self.hw.regs().disable_irqs();
        // No poll runs after this, so none wakes the queue stopped next.
        self.napi.disable();
        dev.tx_disable();
        // What the device counted until now, before the reset clears it.
        self.update_hw_stats(&self.hw.regs());
        // No statistics read runs during the reset: new readers see the
        // flag, and those already past it are waited for (a few register
        // reads each).
        self.resetting.store(true, SeqCst);
        while self.stats_readers.load(SeqCst) != 0 {
            msleep(1);
        }
        let stopped = self.hw.regs().stop_dma().is_ok();
        self.resetting.store(false, SeqCst);
        // One lock at a time: the poll holds the receive lock while the
        // stack may transmit (and so take the transmit lock) from GRO.
        let tx = with_bh_disabled(|| self.tx.lock().take());
        let rx = with_bh_disabled(|| self.rx.lock().take());
        self.causes.store(0, Relaxed);
        if stopped {
            return Some((tx, rx));
        }
        pr_err!("{}: reset failed; leaking the rings\n", dev.name());
        core::mem::forget((tx, rx));
        None
    }

    /// Stops the hardware and releases what `open` took, in reverse order.
    fn teardown(&self, dev: &Device<Self>) {
        let rings = self.stop_rings(dev);
        // Frees the IRQs: no handler runs after this, so none leaves a
        // cause for the next open.
        *self.irq.lock() = [None, None, None];
        self.causes.store(0, Relaxed);
        // DMA is stopped (or the rings were leaked): unmap and free every
        // buffer, outside the locks.
        drop(rings);
        dev.carrier_off();
    }

    /// `ethtool -G` on a running interface: new rings are allocated while
    /// the old ones run (a failure leaves those as they were), then the
    /// device is stopped and reset, and started again on the new rings.
    /// The interrupt handlers stay; the queued packets of the old transmit
    /// ring are dropped, as the C driver's are.
    fn resize_running(&self, dev: &Device<Self>, rx: u32, tx: u32) -> Result {
        let rings = Self::alloc_rings(dev, rx, tx)?;
        if self.stop_rings(dev).is_none() {
            // The device never ran on the new rings (the sizes stay), and
            // nothing runs on this device until it is taken down and up
            // again (which resets it again).
            drop(rings);
            dev.carrier_off();
            return Err(EIO);
        }
        self.rx_count.store(rx, Relaxed);
        self.tx_count.store(tx, Relaxed);
        self.start_rings(dev, rings.0, rings.1);
        if let Err(e) = self.start_polling(dev) {
            // Cannot happen while the interface runs (`Napi::enable`
            // refuses only a device that is not open); the queue stays
            // stopped until the interface is taken down and up again.
            pr_err!(
                "{}: polling did not restart after a ring resize\n",
                dev.name()
            );
            dev.carrier_off();
            return Err(e);
        }
        // Packets the stack queued meanwhile go out now.
        dev.wake_queue();
        Ok(())
    }
}

/// What an interrupt vector signals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vector {
    /// MSI or INTx: every cause.
    All,
    /// MSI-X: the receive queue cause, cleared and masked by the device.
    Rx,
    /// MSI-X: the transmit queue cause, cleared and masked by the device.
    Tx,
    /// MSI-X: link change or receive overrun.
    Other,
}

/// An interrupt handler; holds a reference to its net device, dropped
/// with the handler in `stop`.
pub(crate) struct IrqHandler {
    dev: DeviceRef<Nic>,
    vector: Vector,
}

impl irq::Handler for IrqHandler {
    fn handle(&self) -> IrqReturn {
        let nic = self.dev.data();
        match self.vector {
            Vector::Rx => {
                nic.napi.schedule();
                return IrqReturn::Handled;
            }
            Vector::Tx => {
                nic.hw.tx_irq_fired();
                nic.napi.schedule();
                return IrqReturn::Handled;
            }
            Vector::Other => {
                let icr = nic.hw.regs().take_other_causes();
                if icr & (int::LSC | int::RXO) != 0 {
                    nic.causes.fetch_or(icr, Relaxed);
                    nic.napi.schedule();
                }
                return IrqReturn::Handled;
            }
            Vector::All => {}
        }
        let regs = nic.hw.regs();
        let icr = regs.take_causes();
        if icr == 0 {
            // Not ours (shared INTx line).
            return IrqReturn::None;
        }
        regs.disable_irqs();
        nic.causes.fetch_or(icr, Relaxed);
        // If a poll is already scheduled, it handles these causes too.
        nic.napi.schedule();
        IrqReturn::Handled
    }
}

#[vtable]
impl DeviceOperations for Nic {
    fn open(dev: &Device<Self>) -> Result {
        let nic = dev.data();
        let (tx, rx) =
            Self::alloc_rings(dev, nic.rx_count.load(Relaxed), nic.tx_count.load(Relaxed))?;
        nic.start_rings(dev, tx, rx);
        if let Err(e) = nic.request_irqs(dev) {
            nic.teardown(dev);
            return Err(e);
        }
        if let Err(e) = nic.start_polling(dev) {
            nic.teardown(dev);
            return Err(e);
        }
        dev.start_queue();
        Ok(())
    }

    fn stop(dev: &Device<Self>) {
        dev.data().teardown(dev);
    }

    fn start_xmit(dev: &Device<Self>, mut skb: SkBuff) -> NetdevTx {
        let nic = dev.data();
        let mut guard = nic.tx.lock();
        let Some(ring) = guard.as_mut() else {
            add(&nic.counters.tx_dropped, 1);
            skb.drop_with(DropReason::DevReady);
            return NetdevTx::Ok;
        };
        if must_stop(ring.unused()) {
            // Should not happen: the queue is stopped before the ring fills
            // (said, as the C driver says it; rust_tx_stall checks).
            pr_err!(
                "{}: transmit ring full while the queue was awake\n",
                dev.name()
            );
            dev.stop_queue();
            return NetdevTx::Busy(skb);
        }
        // A packet that cannot be queued is dropped (and freed) here; the
        // doorbell below still covers the packets queued before it.
        let queued = match tx_offload(&mut skb) {
            Ok((offload, frames, bytes)) => skb
                .dma_map_tx(&ring.mapper, &mut ring.frag_pool)
                .and_then(|mapped| ring.push(mapped, offload, frames, bytes))
                .is_ok(),
            Err(_) => {
                skb.drop_with(DropReason::NotSpecified);
                false
            }
        };
        if !queued {
            add(&nic.counters.tx_dropped, 1);
        }
        if must_stop(ring.unused()) {
            dev.stop_queue();
        }
        // Batch the doorbell while the stack has more packets for us.
        if !Handle::<Self>::xmit_more() || dev.queue_stopped() {
            let regs = nic.hw.regs();
            regs.set_tx_tail(ring.next_to_use);
            // A device that sends at once (as QEMU's does, during the
            // doorbell write) has its packets back already: free them now,
            // which returns socket memory (TCP small queues) a whole
            // interrupt earlier. What the device has not sent yet keeps the
            // transmit interrupt armed.
            nic.reclaim_tx(dev, &regs, ring, SkBuff::consume);
        }
        NetdevTx::Ok
    }

    fn get_stats64(dev: &Device<Self>, stats: &mut Stats64) {
        let nic = dev.data();
        nic.update_hw_stats(&nic.hw.regs());
        let c = &nic.counters;
        stats.rx_packets = c.rx_packets.load(Relaxed);
        stats.rx_bytes = c.rx_bytes.load(Relaxed);
        stats.rx_dropped = c.rx_dropped.load(Relaxed);
        // As the C driver: every receive error the device counted, and
        // the frames the driver found bad.
        stats.rx_crc_errors = c.hw_crc.load(Relaxed);
        stats.rx_length_errors = c.hw_length.load(Relaxed);
        stats.rx_errors = c.rx_errors.load(Relaxed)
            + stats.rx_crc_errors
            + stats.rx_length_errors
            + c.hw_other.load(Relaxed);
        stats.rx_missed_errors = c.hw_missed.load(Relaxed);
        stats.rx_over_errors = c.overruns.load(Relaxed);
        stats.tx_packets = c.tx_packets.load(Relaxed);
        stats.tx_bytes = c.tx_bytes.load(Relaxed);
        stats.tx_dropped = c.tx_dropped.load(Relaxed);
    }

    fn tx_timeout(dev: &Device<Self>, txqueue: u32) {
        pr_warn!("{}: transmit queue {} timed out\n", dev.name(), txqueue);
        dev.data().napi.schedule();
    }

    fn set_mac_address(dev: &Device<Self>, mac: &[u8; ETH_ALEN]) -> Result {
        dev.data().hw.regs().set_mac(mac);
        Ok(())
    }

    fn change_mtu(_dev: &Device<Self>, new_mtu: u32) -> Result {
        // Long packet reception stays off: receive buffers hold 1522 bytes.
        if new_mtu > 1500 {
            return Err(EINVAL);
        }
        Ok(())
    }

    fn set_rx_mode(dev: &Device<Self>) {
        let nic = dev.data();
        // Called with BH disabled (the address list lock held). A receiver
        // that is not running gets its filter bits when it starts.
        let running = nic.rx_filter.lock();
        if *running {
            nic.hw
                .regs()
                .set_rx_mode(Hw::rx_mode_bits(dev.promisc(), dev.wants_multicast()));
        }
    }

    fn get_drvinfo(dev: &Device<Self>, fill: &mut dyn FnMut(DrvInfo<'_>)) {
        fill(DrvInfo {
            driver: c_str!("e1000e_rust"),
            version: c_str!("rnet"),
            bus_info: dev.parent().name(),
        });
    }

    fn get_ringparam(dev: &Device<Self>) -> RingParam {
        let nic = dev.data();
        RingParam {
            rx_max: RING_MAX,
            tx_max: RING_MAX,
            rx: nic.rx_count.load(Relaxed),
            tx: nic.tx_count.load(Relaxed),
        }
    }

    fn set_ringparam(dev: &Device<Self>, rx: u32, tx: u32) -> Result {
        // The core refused sizes above `RING_MAX`.
        let size = |n: u32, least: u32| n.clamp(least, RING_MAX).next_multiple_of(RING_MULTIPLE);
        let (rx, tx) = (size(rx, RING_MIN), size(tx, TX_RING_MIN));
        let nic = dev.data();
        if rx == nic.rx_count.load(Relaxed) && tx == nic.tx_count.load(Relaxed) {
            return Ok(());
        }
        if dev.is_running() {
            return nic.resize_running(dev, rx, tx);
        }
        nic.rx_count.store(rx, Relaxed);
        nic.tx_count.store(tx, Relaxed);
        Ok(())
    }

    fn nway_reset(dev: &Device<Self>) -> Result {
        if !dev.is_running() {
            return Err(EAGAIN);
        }
        // The link is down until autonegotiation completes; the link status
        // change interrupt then brings the carrier back (update_link).
        dev.carrier_off();
        let nic = dev.data();
        let regs = nic.hw.regs();
        let ret = regs.restart_autoneg();
        if ret.is_err() {
            // Nothing was restarted: the carrier follows the link as it is.
            nic.update_link(dev, &regs);
        }
        ret
    }

    const REGS_LEN: usize = regs::DUMP.len();

    // The driver's own counts, apart from what the stack adds to the
    // interface's (its own drops in `tx_dropped` and `rx_dropped`), and
    // the device's error counts before they are summed into `rx_errors`.
    const STATS: &'static [&'static CStr] = &[
        c_str!("tx_driver_dropped"),
        c_str!("rx_driver_dropped"),
        c_str!("rx_bad_frames"),
        c_str!("rx_overrun_irqs"),
        c_str!("hw_rx_missed"),
        c_str!("hw_rx_crc_errors"),
        c_str!("hw_rx_length_errors"),
        c_str!("hw_rx_other_errors"),
    ];

    fn get_ethtool_stats(dev: &Device<Self>, stats: &mut [u64]) {
        let nic = dev.data();
        nic.update_hw_stats(&nic.hw.regs());
        let c = &nic.counters;
        let values = [
            &c.tx_dropped,
            &c.rx_dropped,
            &c.rx_errors,
            &c.overruns,
            &c.hw_missed,
            &c.hw_crc,
            &c.hw_length,
            &c.hw_other,
        ];
        for (out, v) in stats.iter_mut().zip(values) {
            *out = v.load(Relaxed);
        }
    }

    fn get_regs(dev: &Device<Self>, out: &mut [u32]) -> u32 {
        dev.data().hw.regs().dump(out);
        regs::DUMP_VERSION
    }
}

impl Poll for Nic {
    fn poll<'a>(dev: &Device<Self>, ctx: PollCtx<'a>) -> PollDone<'a> {
        let nic = dev.data();
        // One check of the register window for the whole poll.
        let regs = nic.hw.regs();
        let causes = nic.causes.swap(0, Relaxed);
        if causes & int::LSC != 0 {
            nic.update_link(dev, &regs);
        }
        if causes & int::RXO != 0 {
            add(&nic.counters.overruns, 1);
            nic.update_hw_stats(&regs);
            // The device ran out of receive buffers: interrupt sooner.
            nic.set_rx_throttle(&regs, RxThrottle::Light);
        }
        nic.clean_tx(dev, &regs, &ctx);
        let budget = ctx.budget();
        let work = nic.clean_rx(dev, &regs, &ctx, budget);
        // The receive cycle ends with a poll under budget (the last one
        // before the interrupt is unmasked), and is accounted before NAPI
        // is given up: a poll another vector starts may run from then on.
        // `work` is at most the budget, never negative.
        let frames = nic
            .rx_cycle
            .load(Relaxed)
            .saturating_add(u32::try_from(work).unwrap_or(0));
        if work < budget {
            nic.rx_cycle.store(0, Relaxed);
            nic.set_rx_throttle(&regs, nic.rx_throttle().next(frames));
        } else {
            nic.rx_cycle.store(frames, Relaxed);
        }
        let done = ctx.complete(work);
        if done.rearm() {
            regs.enable_rx_irq();
        }
        done
    }
}

/// Works out the offload `skb` needs: a checksum or TCP segmentation, and
/// the frames and bytes it becomes on the wire. A checksum the device cannot
/// insert is computed here.
pub(crate) fn tx_offload(skb: &mut SkBuff) -> Result<(TxOffload, u32, u32)> {
    let len = skb.len();
    if let Some(gso) = skb.tcp_gso() {
        let h = skb.tso_prepare()?;
        let (Ok(network), Ok(transport), Ok(hdr_len), Ok(mss)) = (
            u8::try_from(h.network),
            u8::try_from(h.transport),
            u8::try_from(h.len),
            u16::try_from(gso.mss),
        ) else {
            return Err(EINVAL);
        };
        if transport <= network || u32::from(hdr_len) >= len {
            return Err(EINVAL);
        }
        let frames = gso.segs.max(1);
        let bytes = len.saturating_add((frames - 1).saturating_mul(h.len));
        let tso = TxOffload::Tso {
            network,
            transport,
            hdr_len,
            mss,
            ipv4: gso.ipv4,
        };
        return Ok((tso, frames, bytes));
    }
    let Some(req) = skb.checksum_partial() else {
        return Ok((TxOffload::None, 1, len));
    };
    match (
        u8::try_from(req.start),
        u8::try_from(req.start + req.offset),
    ) {
        (Ok(start), Ok(end)) if end >= start => Ok((
            TxOffload::Csum {
                start,
                offset: end - start,
                tcp: req.tcp,
            },
            1,
            len,
        )),
        // Headers too long for the context descriptor's byte offsets.
        _ => {
            skb.checksum_help()?;
            Ok((TxOffload::None, 1, len))
        }
    }
}
