// SPDX-License-Identifier: GPL-2.0
//! rnet-drill: runs scripts in packetdrill's language against the kernel
//! it runs on, through a tun device (local mode) or through a NIC and a
//! second NIC on the same wire (wire mode).

pub mod ast;
pub mod code;
pub mod dccp;
pub mod inject;
pub mod packet;
pub mod parse;
pub mod run;
pub mod sys;
pub mod syscall;
pub mod tun;
pub mod wire;
