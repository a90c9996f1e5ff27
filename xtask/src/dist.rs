//! `cargo xtask dist`: the release archive of one target, as `.github/workflows/release.yml`
//! publishes it and `action/install.sh` and `cargo binstall` (crates/cli/Cargo.toml,
//! `[package.metadata.binstall]`) expect it:
//!
//! ```text
//! ecsrole-<version>-<target>.tar.gz (.zip on Windows)
//!   ecsrole-<version>-<target>/ecsrole(.exe), README.md, LICENSE, man/*.1, completions/*
//! ecsrole-<version>-<target>.tar.gz.sha256   "<hex>  <archive name>" (sha256sum's format)
//! ```
//!
//! `check` (run by `cargo xtask test`) makes this machine's archive from the debug binary
//! the tests already built (the release workflow builds with `--profile release`; the
//! layout is the same), then checks it the way a user would: `sha256sum -c`, the archive's
//! listing, the unpacked binary's `--version`, and `action/install.sh` installing it from
//! a `file://` release, refusing it once its checksum is wrong.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::{cargo, project_root, run, state_dir};

/// The workspace version (`[workspace.package] version`).
fn version() -> Result<String> {
    let toml = fs::read_to_string(project_root().join("Cargo.toml"))?;
    toml.lines()
        .find_map(|l| {
            l.strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
        })
        .map(str::to_owned)
        .context("no version in the workspace Cargo.toml")
}

/// This machine's target triple (`rustc -vV`).
fn host() -> Result<String> {
    let out = Command::new("rustc").arg("-vV").output()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV names no host")
}

/// Builds and packs the archive; returns its path.
pub fn dist(target: Option<&str>, profile: &str, out: &Path) -> Result<PathBuf> {
    let version = version()?;
    let target = match target {
        Some(t) => t.to_owned(),
        None => host()?,
    };
    let mut build = cargo();
    build.args([
        "build",
        "--locked",
        "-p",
        "ecsrole",
        "--bin",
        "ecsrole",
        "--profile",
        profile,
    ]);
    let cross = target != host()?;
    if cross {
        build.args(["--target", &target]);
    }
    run(build)?;
    let dir = if profile == "dev" { "debug" } else { profile };
    let windows = target.contains("windows");
    let exe = if windows { "ecsrole.exe" } else { "ecsrole" };
    let built = if cross {
        project_root()
            .join("target")
            .join(&target)
            .join(dir)
            .join(exe)
    } else {
        project_root().join("target").join(dir).join(exe)
    };
    let name = format!("ecsrole-{version}-{target}");
    fs::create_dir_all(out)?;
    let stage = out.join(&name);
    let _ = fs::remove_dir_all(&stage);
    fs::create_dir_all(stage.join("man"))?;
    fs::create_dir_all(stage.join("completions"))?;
    fs::create_dir_all(stage.join("docs"))?;
    let root = project_root();
    fs::copy(&built, stage.join(exe)).with_context(|| format!("copy {}", built.display()))?;
    for f in ["README.md", "LICENSE"] {
        fs::copy(root.join(f), stage.join(f))?;
    }
    for (from, to) in [
        ("crates/cli/doc", "man"),
        ("crates/cli/completions", "completions"),
        // The README's reference pages (its links are relative: docs/...).
        ("docs", "docs"),
    ] {
        for entry in fs::read_dir(root.join(from))? {
            let path = entry?.path();
            if path.is_file() {
                fs::copy(&path, stage.join(to).join(path.file_name().unwrap()))?;
            }
        }
    }
    let archive_name = if windows {
        format!("{name}.zip")
    } else {
        format!("{name}.tar.gz")
    };
    let archive = out.join(&archive_name);
    let _ = fs::remove_file(&archive);
    let mut tar = Command::new("tar");
    tar.current_dir(out);
    if windows {
        // bsdtar (Windows' own tar) writes a zip when asked by the suffix.
        tar.args(["-a", "-c", "-f", &archive_name, &name]);
    } else {
        tar.args(["-czf", &archive_name, &name]);
    }
    run(tar)?;
    fs::remove_dir_all(&stage)?;
    let digest = sha256_hex(&fs::read(&archive)?);
    fs::write(
        out.join(format!("{archive_name}.sha256")),
        format!("{digest}  {archive_name}\n"),
    )?;
    eprintln!("xtask: wrote {} (sha256 {digest})", archive.display());
    Ok(archive)
}

/// `cargo xtask dist [--target T] [--profile P] [--out DIR]`.
pub fn cli(args: &[&str]) -> Result<()> {
    let mut target = None;
    let mut profile = "release";
    let mut out = project_root().join("dist");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(value) = it.next() else {
            bail!("{a} needs a value");
        };
        match *a {
            "--target" => target = Some(*value),
            "--profile" => profile = value,
            "--out" => out = PathBuf::from(value),
            other => bail!("unknown dist option {other:?}: expected --target, --profile or --out"),
        }
    }
    dist(target, profile, &out).map(|_| ())
}

/// Makes this machine's archive (debug profile) and checks it as a user would.
pub fn check() -> Result<()> {
    let out = state_dir().join("dist");
    let _ = fs::remove_dir_all(&out);
    let archive = dist(None, "dev", &out)?;
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    let stem = name.trim_end_matches(".tar.gz").to_owned();
    // The checksum, by the system's sha256sum (not ours).
    let mut sum = Command::new("sha256sum");
    sum.current_dir(&out)
        .args(["-c", &format!("{name}.sha256")]);
    run(sum).context("the archive's checksum does not verify")?;
    // The layout.
    let list = Command::new("tar").arg("-tzf").arg(&archive).output()?;
    let listing = String::from_utf8_lossy(&list.stdout);
    for want in [
        format!("{stem}/ecsrole"),
        format!("{stem}/README.md"),
        format!("{stem}/docs/findings.md"),
        format!("{stem}/LICENSE"),
        format!("{stem}/man/ecsrole.1"),
        format!("{stem}/man/ecsrole-check.1"),
        format!("{stem}/completions/ecsrole.bash"),
    ] {
        ensure!(
            listing.lines().any(|l| l.trim_end_matches('/') == want),
            "{name} lacks {want}: {listing}"
        );
    }
    // The action's installer, from a release on disk: it installs a binary that runs, and
    // refuses the archive once its checksum file disagrees.
    let version = version()?;
    let target = stem
        .trim_start_matches(&format!("ecsrole-{version}-"))
        .to_owned();
    let releases = out.join("releases");
    let tag = releases.join(format!("v{version}"));
    fs::create_dir_all(&tag)?;
    fs::copy(&archive, tag.join(&name))?;
    fs::copy(
        out.join(format!("{name}.sha256")),
        tag.join(format!("{name}.sha256")),
    )?;
    let install = |dest: &Path| {
        Command::new("bash")
            .arg(project_root().join("action/install.sh"))
            .env("ECSROLE_VERSION", &version)
            .env("ECSROLE_RELEASES", format!("file://{}", releases.display()))
            .env("ECSROLE_TARGET", &target)
            .env("ECSROLE_DEST", dest)
            .output()
    };
    let installed = install(&out.join("bin"))?;
    ensure!(
        installed.status.success(),
        "action/install.sh failed: {}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let bin = String::from_utf8_lossy(&installed.stdout).trim().to_owned();
    let shown = Command::new(&bin).arg("--version").output()?;
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    ensure!(
        shown.trim() == format!("ecsrole {version}"),
        "the installed {bin} says {shown:?}, not ecsrole {version}"
    );
    fs::write(
        tag.join(format!("{name}.sha256")),
        format!("{}  {name}\n", "0".repeat(64)),
    )?;
    let refused = install(&out.join("bin-bad"))?;
    let why = String::from_utf8_lossy(&refused.stderr);
    ensure!(
        !refused.status.success() && why.contains("checksum mismatch"),
        "action/install.sh took an archive whose checksum is wrong: {why}"
    );
    eprintln!("xtask: release archive {name}: checksum, layout and the action's install verified");
    Ok(())
}

/// SHA-256 (FIPS 180-4), hex.
pub fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_matches_the_standards_vectors() {
        assert_eq!(
            super::sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            super::sha256_hex(long),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }
}
