// SPDX-License-Identifier: GPL-2.0
//! rnet-drill: runs packetdrill-language scripts in local mode.
//!
//!   rnet-drill [--ip_version=ipv4|ipv6|ipv4-mapped-ipv6] [--local_ip=A]
//!              [--remote_ip=A] [--gateway_ip=A] [--netmask_ip=M]
//!              [--mtu=N] [--tolerance_usecs=N] [--init_scripts=a,b]
//!              [--local_dev=NIC --peer_dev=NIC] [-D NAME=VALUE]... [-v]
//!              SCRIPT...
//!
//! With --local_dev and --peer_dev it runs in wire mode (wire.rs): the
//! kernel under test sends through NIC local_dev, and the runner plays
//! the remote host on NIC peer_dev of the same wire.
//!
//! Exit status 0 when every script passes, 1 at the first that fails
//! (its line and what differed on standard error), 2 on a usage error.
//!
//!   rnet-drill dccp-raw SRC DST PORT KIND [ARG]
//!   rnet-drill dccp-fuzz SRC DST PORT SPORT N SEED
//!
//! send crafted DCCP packets from a raw socket instead (inject.rs).

use rnet_drill::run::{self, Config, IpVersion, Runner};
use rnet_drill::{inject, parse};
use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;

fn usage(msg: &str) -> ExitCode {
    eprintln!("rnet-drill: {msg}");
    eprintln!(
        "usage: rnet-drill [--ip_version=ipv4|ipv6|ipv4-mapped-ipv6] [--local_ip=A] [--remote_ip=A]\n\
         \x20      [--gateway_ip=A] [--netmask_ip=M] [--mtu=N] [--tolerance_usecs=N]\n\
         \x20      [--init_scripts=CMD,...] [--local_dev=NIC --peer_dev=NIC]\n\
         \x20      [-D NAME=VALUE]... [-v] SCRIPT..."
    );
    ExitCode::from(2)
}

/// The settings the command line and a script's option lines give.
#[derive(Default, Clone)]
struct Opts {
    ip_version: Option<IpVersion>,
    local_ip: Option<IpAddr>,
    remote_ip: Option<IpAddr>,
    gateway_ip: Option<IpAddr>,
    netmask: Option<IpAddr>,
    mtu: Option<u32>,
    tolerance: Option<i64>,
    init_scripts: Vec<String>,
    local_dev: Option<String>,
    peer_dev: Option<String>,
    defines: Vec<(String, String)>,
    verbose: bool,
}

fn addr(name: &str, v: &str) -> Result<IpAddr, String> {
    // packetdrill accepts a prefix length after the remote address.
    let a = v.split('/').next().unwrap_or(v);
    a.parse()
        .map_err(|_| format!("bad address for --{name}: '{v}'"))
}

/// Applies one `--name[=value]` option.
fn apply(o: &mut Opts, name: &str, val: Option<&str>) -> Result<(), String> {
    let need = || val.ok_or_else(|| format!("--{name} needs a value"));
    match name {
        "ip_version" => {
            o.ip_version = Some(match need()? {
                "ipv4" => IpVersion::V4,
                "ipv6" => IpVersion::V6,
                "ipv4-mapped-ipv6" => IpVersion::V4MappedV6,
                v => return Err(format!("bad --ip_version '{v}'")),
            })
        }
        "local_ip" => o.local_ip = Some(addr(name, need()?)?),
        "remote_ip" => o.remote_ip = Some(addr(name, need()?)?),
        "gateway_ip" => o.gateway_ip = Some(addr(name, need()?)?),
        "netmask_ip" => o.netmask = Some(addr(name, need()?)?),
        "mtu" => {
            o.mtu = Some(
                need()?
                    .parse()
                    .map_err(|_| format!("bad --mtu '{}'", val.unwrap_or("")))?,
            )
        }
        "tolerance_usecs" => {
            o.tolerance = Some(
                need()?
                    .parse()
                    .map_err(|_| format!("bad --tolerance_usecs '{}'", val.unwrap_or("")))?,
            )
        }
        "init_scripts" => {
            o.init_scripts = need()?
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }
        "verbose" => o.verbose = true,
        "local_dev" => o.local_dev = Some(need()?.to_string()),
        "peer_dev" => o.peer_dev = Some(need()?.to_string()),
        n if n.starts_with("wire_") => {
            return Err(format!(
                "--{n}: packetdrill's two-host wire mode is not supported; rnet-drill runs in local mode (a tun device) or in its own wire mode on one host (--local_dev and --peer_dev)"
            ))
        }
        n => return Err(format!("unsupported option --{n}")),
    }
    Ok(())
}

fn define(o: &mut Opts, d: &str) -> Result<(), String> {
    let (n, v) = d
        .split_once('=')
        .ok_or_else(|| format!("-D needs NAME=VALUE, got '{d}'"))?;
    o.defines.push((n.to_string(), v.to_string()));
    Ok(())
}

fn prefix_len(m: &IpAddr) -> u8 {
    match m {
        IpAddr::V4(v) => u32::from(*v).count_ones() as u8,
        IpAddr::V6(v) => u128::from(*v).count_ones() as u8,
    }
}

fn config(o: &Opts) -> Config {
    let v = o.ip_version.unwrap_or(IpVersion::V4);
    let mut c = Config::defaults(v);
    if let Some(a) = o.local_ip {
        c.local_ip = a;
    }
    if let Some(a) = o.remote_ip {
        c.remote_ip = a;
    }
    if let Some(a) = o.gateway_ip {
        c.gateway_ip = a;
    }
    // IPv6 always takes a /48, as packetdrill does.
    if let (Some(m), false) = (o.netmask, v == IpVersion::V6) {
        c.prefix_len = prefix_len(&m);
    }
    if let Some(m) = o.mtu {
        c.mtu = m;
    }
    if let Some(t) = o.tolerance {
        c.tolerance_usecs = t;
    }
    c.verbose = o.verbose;
    c.local_dev = o.local_dev.clone();
    c.peer_dev = o.peer_dev.clone();
    c.defines = o.defines.clone();
    c
}

fn run_one(cli: &Opts, path: &str) -> Result<(), String> {
    let src = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let script = parse::parse(&src, &cli.defines).map_err(|e| format!("{path}:{e}"))?;
    // The script's own option lines first, then the command line's.
    let mut o = Opts::default();
    for (n, v) in &script.options {
        apply(&mut o, n, v.as_deref()).map_err(|e| format!("{path}: {e}"))?;
    }
    let mut merged = cli.clone();
    macro_rules! keep {
        ($($f:ident),*) => { $( if merged.$f.is_none() { merged.$f = o.$f; } )* };
    }
    keep!(ip_version, local_ip, remote_ip, gateway_ip, netmask, mtu, tolerance);
    if merged.local_dev.is_none() && merged.peer_dev.is_none() {
        merged.local_dev = o.local_dev.take();
        merged.peer_dev = o.peer_dev.take();
    }
    merged.verbose |= o.verbose;
    let cfg = config(&merged);
    // In wire mode the sniffer comes first: it must see the first packet
    // the kernel sends once the NIC under test has its address.
    let wire = cfg.peer_dev.is_some();
    let early = if wire {
        Some(
            rnet_drill::tun::Sniffer::open(cfg.sniff_dev(), true)
                .map_err(|e| format!("{path}: {e}"))?,
        )
    } else {
        None
    };
    let link = run::setup_net(&cfg).map_err(|e| format!("{path}: {e}"))?;
    let sniffer = match early {
        Some(s) => s,
        None => rnet_drill::tun::Sniffer::open(cfg.sniff_dev(), false)
            .map_err(|e| format!("{path}: {e}"))?,
    };
    let mut r = Runner::new(&cfg, &script, Path::new(path), link, sniffer);
    r.run().map_err(|f| format!("{path}:{}: {}", f.line, f.msg))
}

/// `dccp-raw` and `dccp-fuzz` (inject.rs): crafted DCCP packets from a
/// raw socket. Exit status 0 once sent, 1 when the system refused, 2 on
/// a usage error.
fn inject(cmd: &str, args: &[String]) -> ExitCode {
    let r = match cmd {
        "dccp-raw" => inject::raw_main(args),
        _ => inject::fuzz_main(args),
    };
    match r {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) if e.starts_with("usage") || e.starts_with("bad ") || e.starts_with("unknown") => {
            eprintln!("rnet-drill: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            println!("{e}");
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if let Some(cmd @ ("dccp-raw" | "dccp-fuzz")) = argv.get(1).map(String::as_str) {
        return inject(cmd, &argv[2..]);
    }
    let mut o = Opts::default();
    let mut scripts = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let r = if a == "-D" {
            match args.next() {
                Some(d) => define(&mut o, &d),
                None => Err("-D needs NAME=VALUE".into()),
            }
        } else if let Some(d) = a.strip_prefix("-D") {
            define(&mut o, d)
        } else if a == "-v" {
            o.verbose = true;
            Ok(())
        } else if let Some(opt) = a.strip_prefix("--") {
            match opt.split_once('=') {
                Some((n, v)) => apply(&mut o, n, Some(v)),
                None => apply(&mut o, opt, None),
            }
        } else if a.starts_with('-') && a.len() > 1 {
            Err(format!("unsupported option {a}"))
        } else {
            scripts.push(a);
            Ok(())
        };
        if let Err(m) = r {
            return usage(&m);
        }
    }
    if scripts.is_empty() {
        return usage("no script given");
    }
    for cmd in &o.init_scripts {
        match std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(cmd)
            .status()
        {
            Ok(s) if s.success() => {}
            _ => {
                eprintln!("rnet-drill: error executing init script '{cmd}'");
                return ExitCode::from(1);
            }
        }
    }
    rnet_drill::sys::stay_on_this_cpu();
    for s in &scripts {
        if let Err(m) = run_one(&o, s) {
            eprintln!("{m}");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
