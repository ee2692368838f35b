//! `tlscheck schannel` end to end, on `.reg` files written here as `reg export` writes them
//! (UTF-16LE with a byte-order mark, CRLF) and as people save them (UTF-8, REGEDIT4): a hardened
//! server passes, TLS 1.2 off fails with the fix file that mends it, absent keys are judged by
//! the Windows version's defaults, and bad input (garbage, truncated, huge, not a registry export,
//! an unrelated export) is a clear error with exit code 2, never a panic.

mod support;

use std::path::{Path, PathBuf};

use support::run::{exit_code, stdout_json, tlscheck};

const SCHANNEL: &str =
    r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL";

/// `reg export`'s encoding: UTF-16LE with a BOM, CRLF line ends.
fn utf16(lines: &[String]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in lines.join("\r\n").encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

fn section(protocol: &str, side: &str, enabled: u32, dbd: u32) -> Vec<String> {
    vec![
        String::new(),
        format!("[{SCHANNEL}\\Protocols\\{protocol}\\{side}]"),
        format!("\"Enabled\"=dword:{enabled:08x}"),
        format!("\"DisabledByDefault\"=dword:{dbd:08x}"),
    ]
}

/// A real-looking SCHANNEL export of a hardened server: the parent keys, SSL 2.0's client key as
/// Windows ships it, TLS 1.0/1.1 off, TLS 1.2 on.
fn hardened() -> Vec<String> {
    let mut l = vec![
        "Windows Registry Editor Version 5.00".to_string(),
        String::new(),
        format!("[{SCHANNEL}]"),
        "\"EventLogging\"=dword:00000001".into(),
        String::new(),
        format!("[{SCHANNEL}\\Ciphers]"),
        String::new(),
        format!("[{SCHANNEL}\\Protocols]"),
        String::new(),
        format!("[{SCHANNEL}\\Protocols\\SSL 2.0\\Client]"),
        "\"DisabledByDefault\"=dword:00000001".into(),
    ];
    for p in ["TLS 1.0", "TLS 1.1"] {
        for side in ["Client", "Server"] {
            l.extend(section(p, side, 0, 1));
        }
    }
    for side in ["Client", "Server"] {
        l.extend(section("TLS 1.2", side, 1, 0));
    }
    l.push(String::new());
    l
}

/// The .NET keys of one view with both values set to `value`.
fn dotnet(wow: bool, value: u32) -> Vec<String> {
    let view = if wow { "WOW6432Node\\" } else { "" };
    let mut l = vec![
        "Windows Registry Editor Version 5.00".to_string(),
        String::new(),
        format!("[HKEY_LOCAL_MACHINE\\SOFTWARE\\{view}Microsoft\\.NETFramework]"),
        "\"InstallRoot\"=\"C:\\\\Windows\\\\Microsoft.NET\\\\Framework64\\\\\"".into(),
    ];
    for fw in ["v2.0.50727", "v4.0.30319"] {
        l.push(String::new());
        l.push(format!(
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\{view}Microsoft\\.NETFramework\\{fw}]"
        ));
        l.push(format!("\"SchUseStrongCrypto\"=dword:{value:08x}"));
        l.push(format!("\"SystemDefaultTlsVersions\"=dword:{value:08x}"));
    }
    l.push(String::new());
    l
}

fn version(build: u32) -> Vec<String> {
    vec![
        "Windows Registry Editor Version 5.00".into(),
        String::new(),
        r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]".into(),
        "\"CurrentVersion\"=\"6.3\"".into(),
        format!("\"CurrentBuildNumber\"=\"{build}\""),
        "\"CurrentMajorVersionNumber\"=dword:0000000a".into(),
        "\"CurrentMinorVersionNumber\"=dword:00000000".into(),
        "\"ProductName\"=\"Windows Server 2019 Standard\"".into(),
        String::new(),
    ]
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A full set: SCHANNEL (as given), both .NET views, the version of Windows Server 2019.
fn full_set(dir: &Path, schannel: &[String]) -> Vec<PathBuf> {
    vec![
        write(dir, "schannel.reg", &utf16(schannel)),
        write(dir, "dotnet.reg", &utf16(&dotnet(false, 1))),
        write(dir, "dotnet32.reg", &utf16(&dotnet(true, 1))),
        write(dir, "version.reg", &utf16(&version(17763))),
    ]
}

fn run(files: &[PathBuf], extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = tlscheck()
        .arg("schannel")
        .args(files)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (exit_code(&out), stdout_json(&out), stderr)
}

fn codes(r: &serde_json::Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn state(r: &serde_json::Value, protocol: &str, side: &str) -> String {
    r["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["protocol"] == protocol && p["side"] == side)
        .map(|p| p["state"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {protocol} {side} in {r:#}"))
}

#[test]
fn a_hardened_server_passes_from_utf16_exports() {
    let dir = tempfile::tempdir().unwrap();
    let files = full_set(dir.path(), &hardened());
    let (code, r, stderr) = run(&files, &[]);
    assert_eq!(code, 0, "{r:#}\n{stderr}");
    assert_eq!(r["kind"], "schannel");
    assert_eq!(r["verdict"], "pass");
    assert_eq!(codes(&r), Vec::<String>::new(), "{r:#}");
    assert_eq!(r["windows"]["source"], "export");
    assert_eq!(r["windows"]["version"]["build"], 17763);
    assert_eq!(state(&r, "TLS 1.2", "Server"), "on");
    assert_eq!(state(&r, "TLS 1.0", "Client"), "off");
    // SSL 3.0 has no key: the Server 2019 default (disabled) decides.
    assert_eq!(state(&r, "SSL 3.0", "Server"), "off-by-default");
    assert_eq!(state(&r, "SSL 2.0", "Client"), "not-supported");
}

#[test]
fn tls12_disabled_fails_and_the_fix_file_mends_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut schannel = hardened();
    schannel.extend(section("TLS 1.2", "Server", 0, 1));
    let files = full_set(dir.path(), &schannel);
    let fix = dir.path().join("fix.reg");
    let (code, r, stderr) = run(&files, &["--fix", fix.to_str().unwrap()]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(codes(&r), ["schannel-tls12-disabled"]);
    assert!(stderr.contains("restart the server"), "{stderr}");
    let bytes = std::fs::read(&fix).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "UTF-16LE with a BOM");
    let text = String::from_utf16(
        &bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        text.starts_with("Windows Registry Editor Version 5.00\r\n"),
        "{text}"
    );
    assert!(text.contains("TLS 1.2\\Server]\r\n\"Enabled\"=dword:00000001\r\n\"DisabledByDefault\"=dword:00000000"), "{text}");
    assert!(
        !text.contains("TLS 1.2\\Client]"),
        "only what is missing: {text}"
    );
    // The input with the fix file imported on top passes.
    let mut again = files.clone();
    again.push(fix.clone());
    let (code, r, _) = run(&again, &[]);
    assert_eq!(code, 0, "{r:#}");
    // Text output names the cause and the Exchange Online symptom.
    let out = tlscheck()
        .arg("schannel")
        .args(&files)
        .args(["--color", "never", "--width", "0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[schannel-tls12-disabled]"), "{text}");
    assert!(text.contains("421 4.4.2"), "{text}");
    assert!(text.contains("Verdict: fail"), "{text}");
}

#[test]
fn absent_keys_take_the_windows_versions_defaults() {
    let dir = tempfile::tempdir().unwrap();
    // Only the parent key, in UTF-8 without BOM and REGEDIT4, with LF line ends.
    let file = write(
        dir.path(),
        "bare.reg",
        format!("REGEDIT4\n\n[{SCHANNEL}\\Protocols]\n").as_bytes(),
    );
    // Windows Server 2008 R2: TLS 1.2 off by default on both sides.
    let (code, r, _) = run(
        std::slice::from_ref(&file),
        &["--windows-version", "2008r2"],
    );
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(state(&r, "TLS 1.2", "Client"), "off-by-default");
    let tls12 = codes(&r)
        .iter()
        .filter(|c| *c == "schannel-tls12-disabled")
        .count();
    assert_eq!(tls12, 2, "{r:#}");
    assert_eq!(r["windows"]["source"], "option");
    // Windows Server 2022: TLS 1.2 and 1.3 on, TLS 1.0/1.1 on (warning), .NET not checked (info).
    let (code, r, _) = run(std::slice::from_ref(&file), &["--windows-version", "2022"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(state(&r, "TLS 1.3", "Server"), "on");
    assert_eq!(
        codes(&r),
        ["schannel-legacy-enabled", "schannel-input-incomplete"]
    );
    // No version at all: assumed, and said.
    let (_, r, _) = run(std::slice::from_ref(&file), &[]);
    assert_eq!(r["windows"]["source"], "assumed");
    let info = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "schannel-input-incomplete")
        .unwrap();
    assert!(
        info["message"]
            .as_str()
            .unwrap()
            .contains("neither given (--windows-version) nor exported"),
        "{info:#}"
    );
}

#[test]
fn dotnet_values_missing_are_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        write(dir.path(), "schannel.reg", &utf16(&hardened())),
        write(dir.path(), "dotnet.reg", &utf16(&dotnet(false, 1))),
        write(dir.path(), "dotnet32.reg", &utf16(&dotnet(true, 0))),
        write(dir.path(), "version.reg", &utf16(&version(20348))),
    ];
    let (code, r, _) = run(&files, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(codes(&r), ["dotnet-strong-crypto-missing"]);
    let msg = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("v2.0.50727 (WOW6432Node view): SchUseStrongCrypto=0"),
        "{msg}"
    );
}

#[test]
fn every_format_renders_and_markdown_and_junit_say_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let mut schannel = hardened();
    schannel.extend(section("TLS 1.2", "Client", 0, 1));
    let files = full_set(dir.path(), &schannel);
    for (format, needle) in [
        ("markdown", "| TLS 1.2 | **off** (Enabled=0)"),
        ("junit", "type=\"schannel-tls12-disabled\""),
        ("ndjson", "\"kind\":\"schannel\""),
        ("text", "TLS 1.2  Client  ✗ off"),
    ] {
        let out = tlscheck()
            .arg("schannel")
            .args(&files)
            .args(["--format", format, "--color", "never", "--width", "0"])
            .output()
            .unwrap();
        assert_eq!(exit_code(&out), 1, "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(needle), "{format}: {text}");
    }
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut truncated = utf16(&hardened());
    truncated.truncate(truncated.len() / 2 + 1); // mid-line, odd length
    let mut huge = utf16(&hardened());
    huge.resize(17 * 1024 * 1024, b'A');
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            write(
                d,
                "garbage.reg",
                &[0x00, 0x9f, 0x92, 0x96, 0xff, 0x00, 0x13],
            ),
            "not text",
        ),
        (write(d, "truncated.reg", &truncated), "line"),
        (write(d, "huge.reg", &huge), "larger than 16777216 bytes"),
        (
            write(d, "notes.txt", b"hello, this is not a registry file\n"),
            "not a registry export",
        ),
        (
            write(
                d,
                "other.reg",
                &utf16(&[
                    "Windows Registry Editor Version 5.00".into(),
                    r"[HKEY_CURRENT_USER\Software\Foo]".into(),
                    "\"a\"=dword:00000001".into(),
                ]),
            ),
            "none of the files holds",
        ),
        (d.join("missing.reg"), "no such file"),
    ];
    for (file, needle) in cases {
        let out = tlscheck().arg("schannel").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(exit_code(&out), 2, "{}: {stderr}", file.display());
        assert!(stderr.contains(needle), "{}: {stderr}", file.display());
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "no report for bad input");
    }
    // A bad --windows-version, and --fix onto an input file.
    let good = write(d, "good.reg", &utf16(&hardened()));
    let out = tlscheck()
        .args([
            "schannel",
            good.to_str().unwrap(),
            "--windows-version",
            "xp",
        ])
        .output()
        .unwrap();
    assert_eq!(exit_code(&out), 2);
    let out = tlscheck()
        .args([
            "schannel",
            good.to_str().unwrap(),
            "--fix",
            good.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(exit_code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("one of the input files"));
}

/// Without files, off Windows: the export commands, exit 2 (the live registry is Windows-only
/// and tested by the Windows CI job).
#[cfg(not(windows))]
#[test]
fn without_files_off_windows_it_says_how_to_export() {
    let out = tlscheck().arg("schannel").output().unwrap();
    assert_eq!(exit_code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reg export"), "{stderr}");
}

/// Windows 11 still says "Windows 10" in ProductName: the build decides (TLS 1.3 on by default).
/// A hostile ProductName and file name are shown escaped in every human format.
#[test]
fn the_build_decides_the_release_and_file_text_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = version(22631);
    v[7] = "\"ProductName\"=\"Windows 10 Pro\u{1b}[31m\u{202e}|`<b>\"".into();
    let files = vec![
        write(dir.path(), "schannel.reg", &utf16(&hardened())),
        write(dir.path(), "v\u{1b}]0;x\u{7}.reg", &utf16(&v)),
    ];
    let (code, r, _) = run(&files, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(state(&r, "TLS 1.3", "Server"), "on");
    assert!(
        r["windows"]["version"]["name"]
            .as_str()
            .unwrap()
            .starts_with("Windows 11"),
        "{r:#}"
    );
    for format in ["text", "markdown", "junit"] {
        let out = tlscheck()
            .arg("schannel")
            .args(&files)
            .args(["--format", format, "--color", "never"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\u{7}'),
            "{format}: raw control or bidi character in {text:?}"
        );
        if format != "junit" {
            assert!(text.contains("Windows 10 Pro"), "{format}: {text}");
        }
    }
}
