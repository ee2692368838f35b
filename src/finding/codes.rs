//! The stable finding codes. Codes are a public contract (JSON, docs/findings.md, users' CI
//! filters): add new ones, never rename or reuse one. Each has a default severity, a one-line
//! description and the remediation shown beside it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $desc:literal, $fix:literal; )*) => {
        /// A finding code: stable, never renamed or reused (one heading each in docs/findings.md).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
        pub enum Code {
            $( #[doc = $desc] #[serde(rename = $code)] $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable kebab-case code.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// What the code means, in one line.
            pub fn description(self) -> &'static str {
                match self { $( Code::$variant => $desc, )* }
            }

            /// What to do about it.
            pub fn remediation(self) -> &'static str {
                match self { $( Code::$variant => $fix, )* }
            }
        }
    };
}

codes! {
    DomainUnresolvable = "domain-unresolvable", Warning,
        "The MX lookup for the domain failed: the name does not exist (NXDOMAIN) or its DNS servers fail (SERVFAIL).",
        "Check the domain's spelling and its DNS delegation (`dig MX domain`). If the resolver is the problem, retry with --resolver IP.";
    ResolverUnreachable = "resolver-unreachable", Warning,
        "The DNS resolver did not answer (timeout) or could not be reached: nothing is known about the name looked up.",
        "Check that the resolver is up and reachable from here (`dig @RESOLVER MX domain`; the message names it), or give another with --resolver IP. This says nothing about the domain.";
    NullMx = "null-mx", Warning,
        "The domain publishes a null MX (RFC 7505): it accepts no mail.",
        "If the domain should receive mail, replace the `MX 0 .` record with MX records for its mail servers.";
    ImplicitMx = "implicit-mx", Info,
        "The domain has no MX records, so senders use its A/AAAA records (RFC 5321 §5.1).",
        "Publish explicit MX records; relying on the implicit MX is fragile and some senders refuse it.";
    MxUnresolvable = "mx-unresolvable", Warning,
        "An MX host name has no usable A/AAAA records.",
        "Fix the MX record to name a host with address records (an MX must not point to a CNAME or an IP literal, RFC 5321 §5.1), or add the missing A/AAAA records.";
    NoAddressInFamily = "no-address-in-family", Warning,
        "The host has addresses only in the family -4 or -6 left out, so nothing was probed (this says nothing about the server).",
        "Run without -4/-6 (or with the other one) from a machine that can reach that family; senders use whatever family they have.";
    HostIsMailDomain = "host-is-mail-domain", Warning,
        "The name given to `tlscheck host` has no address records but publishes MX records: it is a mail domain, not a host.",
        "Check the domain's mail servers with `tlscheck mx NAME` (its MX hosts are named in the finding).";
    HostUnresolvable = "host-unresolvable", Warning,
        "The host name given to `tlscheck host` has no usable A/AAAA records (it does not exist, or has no addresses).",
        "Check the spelling and the host's address records (`dig A name`, `dig AAAA name`), or give its IP address.";
    MxIpLiteral = "mx-ip-literal", Error,
        "An MX record names an IP address instead of a host name; sending MTAs refuse such an MX.",
        "Point the MX record at a host name that has A/AAAA records (RFC 5321 §5.1), e.g. `MX 10 mail.example.com.` with `mail.example.com. A 192.0.2.25`.";
    MxInvalidName = "mx-invalid-name", Error,
        "An MX record names something that is not a valid host name (characters outside letters, digits, hyphens; a bad IDNA label).",
        "Fix the MX record's target: a host name of letters, digits and hyphens (international names in their xn-- form) that has A/AAAA records.";
    MxCname = "mx-cname", Warning,
        "An MX host name is an alias (CNAME); RFC 2181 §10.3 and RFC 5321 §5.1 require the MX to name the host itself.",
        "Point the MX record at the canonical name (the CNAME's target). Most MTAs follow the alias, but some refuse or mis-handle it.";
    MxRecordsDropped = "mx-records-dropped", Warning,
        "The domain publishes more MX records than tlscheck checks; the least preferred ones were not probed.",
        "Senders try only the few most preferred MX hosts; remove the surplus records.";
    PortUnreachable = "port-unreachable", Warning,
        "No answer on the SMTP port: the connection timed out or the network is unreachable from here.",
        "Outbound port 25 is often blocked by ISPs and cloud networks: run tlscheck from a host allowed to send mail. Otherwise check the server's firewall.";
    ConnectFailed = "connect-failed", Warning,
        "The TCP connection was refused or failed.",
        "Check that the mail server is running and listening on this address and port.";
    RunDeadline = "run-deadline", Warning,
        "The run deadline (--deadline) passed before tlscheck had connected to this address (it was still waiting for a connection slot, or connecting): nothing is known about it. This says nothing about the server.",
        "Raise --deadline. In a big batch, raise --concurrency or --per-ip, or split the domain list.";
    PortExpectsImplicitTls = "port-expects-implicit-tls", Warning,
        "The port sent no SMTP greeting, and answered a TLS ClientHello: it expects TLS at once (SMTPS, as on port 465), not STARTTLS. Nothing about the server's mail service is known from this run.",
        "Check this port with --implicit-tls (SMTPS), or check port 25 for STARTTLS.";
    PortSpeaksPlaintext = "port-speaks-plaintext", Warning,
        "With --implicit-tls, the port answered with a plaintext SMTP reply instead of TLS: it speaks SMTP with STARTTLS, not TLS at once. Nothing about its TLS is known from this run.",
        "Run without --implicit-tls: tlscheck then sends STARTTLS after EHLO, as mail servers do on port 25 and 587.";
    SmtpTimeout = "smtp-timeout", Warning,
        "The server did not complete an SMTP reply in time.",
        "The server may be overloaded, tarpitting, or behind a device that swallows SMTP. Retry with a larger --timeout; check the server's logs.";
    SmtpThrottled = "smtp-throttled", Warning,
        "The server refused the session for load or rate reasons (421, too many connections). STARTTLS support is unknown, not missing.",
        "Retry later or from another address; lower --per-ip or add --ip-delay (and lower --concurrency). This is not a TLS failure.";
    SmtpRejected = "smtp-rejected", Warning,
        "The server rejected the session before STARTTLS could be tested (4xx/5xx greeting or EHLO).",
        "Read the reply text: the probing address may be on a block list or the EHLO name refused. Retry with --ehlo set to a resolvable name.";
    SmtpProtocolError = "smtp-protocol-error", Warning,
        "The server broke the SMTP protocol (malformed or oversized reply, or closed the connection mid-session).",
        "Check for a firewall or 'SMTP fixup' device between here and the server; these are known to mangle EHLO and STARTTLS.";
    StarttlsNotOffered = "starttls-not-offered", Error,
        "The server does not advertise STARTTLS after EHLO: mail to it travels in plaintext, and peers that require TLS (Exchange Online forced TLS) cannot deliver.",
        "Enable STARTTLS on the server with a certificate (Postfix: smtpd_tls_security_level = may and smtpd_tls_chain_files; Exchange: assign the certificate to the SMTP service). Check that no firewall strips STARTTLS from EHLO.";
    StarttlsRefused = "starttls-refused", Error,
        "The server advertises STARTTLS but refused the command (for example 454 4.7.0 TLS not available).",
        "The server's TLS setup is broken (missing or unreadable certificate or key). Check its logs at the time of the probe.";
    StarttlsPlaintextInjection = "starttls-plaintext-injection", Error,
        "The server sent data after its 220 reply to STARTTLS and before the TLS handshake (STARTTLS command injection risk); tlscheck refused to continue.",
        "Update the mail server or the device in front of it: it must discard plaintext buffered before TLS (CVE-2011-0411 class).";
    TlsHandshakeFailed = "tls-handshake-failed", Error,
        "The TLS handshake after STARTTLS failed with a modern client (TLS 1.2/1.3, ECDHE).",
        "Enable TLS 1.2 or later with ECDHE suites on the server. Exchange Online reports this as 'TLS negotiation failed with error SocketError' or '421 4.4.2 Connection dropped due to SocketError'.";
    TlsLegacyOnly = "tls-legacy-only", Error,
        "The server accepts only TLS 1.0/1.1: no TLS 1.2 or 1.3. Exchange Online refuses TLS 1.0/1.1 and drops the connection (421 4.4.2 Connection dropped due to SocketError; TLS negotiation failed with error SocketError; 451 5.7.3 Must issue a STARTTLS command first).",
        "Exchange Online meets this server as '421 4.4.2 Connection dropped due to SocketError', 'TLS negotiation failed with error SocketError' or '451 5.7.3 Must issue a STARTTLS command first'. Enable TLS 1.2 on the server. Windows/Exchange: under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2, set Client and Server Enabled=1 and DisabledByDefault=0 (and .NET SchUseStrongCrypto=1), then restart. Postfix/OpenSSL: smtpd_tls_protocols = >=TLSv1.2 with an OpenSSL that supports it.";
    TlsLegacyAccepted = "tls-legacy-accepted", Warning,
        "The server still accepts TLS 1.0 or 1.1 beside TLS 1.2+.",
        "Disable TLS 1.0 and 1.1 (Postfix: smtpd_tls_protocols = >=TLSv1.2; Windows: SCHANNEL\\Protocols\\TLS 1.0 and TLS 1.1 Server Enabled=0). Peers that can do TLS 1.2 lose nothing.";
    NoForwardSecrecy = "no-forward-secrecy", Error,
        "The server negotiates only static-RSA key exchange (no ECDHE/DHE): no forward secrecy, and modern clients (rustls, Go, strict MTAs) cannot complete the handshake.",
        "Strict peers fail the handshake ('TLS negotiation failed with error SocketError' in Exchange Online). Enable ECDHE cipher suites (Postfix: remove kECDHE from smtpd_tls_exclude_ciphers and do not set smtpd_tls_eecdh_grade = none; Windows: enable the TLS_ECDHE_RSA_WITH_AES_*_GCM suites in the cipher suite order policy).";
    WeakDhGroup = "weak-dh-group", Error,
        "The server's DHE key exchange uses a Diffie-Hellman group under 2048 bits: OpenSSL 3 based senders at their default security level (2: Debian 12, Ubuntu 22.04 and later, RHEL 9) refuse the handshake with 'dh key too small', and the group is within reach of precomputation attacks (Logjam).",
        "Configure a DH group of at least 2048 bits, preferably an RFC 7919 one (Postfix 3.7+ with OpenSSL 3: leave smtpd_tls_dh1024_param_file empty or `auto` and OpenSSL picks the group; older Postfix: point it at a file made with `openssl dhparam -out dh2048.pem 2048`; Exim: tls_dhparam = such a file), or offer ECDHE suites before DHE.";
    AnonymousSuitesAccepted = "anonymous-suites-accepted", Info,
        "The server accepts anonymous cipher suites (no certificate, `_anon_`). Opportunistic SMTP allows them (RFC 7435): they still encrypt, but authenticate nobody, and only senders that do not check certificates use them.",
        "Nothing to do for opportunistic TLS. To offer only authenticated suites, exclude aNULL (Postfix: smtpd_tls_exclude_ciphers = aNULL).";
    TlsBelowRequired = "tls-below-required", Error,
        "The negotiated TLS version is below the required one (--require-tls or the profile's min_tls).",
        "Exchange Online drops connections below TLS 1.2 ('421 4.4.2 Connection dropped due to SocketError'). Enable the required TLS version on the server (TLS 1.2: on Windows set SCHANNEL\\Protocols\\TLS 1.2\\Server and Client Enabled=1, DisabledByDefault=0, then restart).";
    CertExpired = "cert-expired", Error,
        "A certificate in the presented chain has expired.",
        "Renew the certificate and install the new chain on every MX host and address.";
    CertExpiringSoon = "cert-expiring-soon", Warning,
        "A certificate of the presented chain (the leaf or an intermediate, not a root) expires within --expiry-warn days (default 30): a renewal is due and has not been installed.",
        "Renew the certificate now and install the new chain on every MX host and address (ACME clients such as certbot renew 30 days ahead; a certificate this close to expiry means renewal or deployment failed). Change the warning window with --expiry-warn DAYS, or turn it off with 0.";
    CertNotYetValid = "cert-not-yet-valid", Error,
        "A certificate in the presented chain is not valid yet.",
        "Check the server's clock and the certificate's notBefore date; install the currently valid certificate.";
    CertNameMismatch = "cert-name-mismatch", Error,
        "The certificate does not cover the MX host name it was reached by.",
        "Issue a certificate whose subjectAltName includes the MX host name, or point the MX record at a name the certificate covers.";
    CertUntrusted = "cert-untrusted", Error,
        "The chain does not validate to a trusted root (unknown issuer, self-signed, bad signature or wrong usage).",
        "Use a certificate from a public CA that peers trust, and send the full chain (leaf and intermediates).";
    ChainIncomplete = "chain-incomplete", Error,
        "The chain does not reach a trusted root and its last certificate is not a root: an intermediate certificate is probably missing.",
        "Configure the server to send the intermediate certificates after the leaf (Postfix: smtpd_tls_chain_files with the full chain).";
    AnchorNotInTrustStore = "anchor-not-in-trust-store", Warning,
        "The chain validates only to the profile's expected root, which the selected trust store does not carry.",
        "Peers using this trust store will reject the chain. Check with --trust system, or move the certificate to a chain ending at a root the peers trust.";
    RootMismatch = "root-mismatch", Error,
        "The chain ends at a root whose key differs from the roots the profile expects (matched by key fingerprint, not by name).",
        "Peers that pin the expected root will refuse the certificate. Get the certificate from the expected CA, or check for a TLS-intercepting device that re-signs certificates.";
    CertNameUnexpected = "cert-name-unexpected", Error,
        "The certificate does not carry the name the profile expects.",
        "Check that the MX points to the expected service (for Exchange Online: <tenant>.mail.protection.outlook.com).";
    CertOrganizationUnexpected = "cert-organization-unexpected", Error,
        "The certificate's organization (O) differs from the profile's.",
        "The server is not the expected service, or a device in the path presents its own certificate.";
    RootDeprecated = "root-deprecated", Warning,
        "The chain ends at a root the expect profile still accepts but marks as on its way out (for Exchange Online: DigiCert Global Root CA (G1), which Mozilla stopped trusting for TLS servers in April 2026).",
        "Nothing to change on your side if you only receive from this service. Senders whose trust store dropped the root refuse the chain: make sure your servers trust the profile's current root (for Exchange Online: DigiCert Global Root G2), and expect the service to move to it.";
    SenderTlsTooOld = "sender-tls-too-old", Error,
        "The server offers no TLS version the sender profile's sender uses (for Exchange Online: TLS 1.2 or later).",
        "Enable TLS 1.2 (and 1.3) on the server. Until then the sender fails the handshake and, with opportunistic TLS, delivers in plaintext or retries (Exchange Online: '421 4.4.2 Connection dropped due to SocketError', 'TLS negotiation failed with error SocketError').";
    SenderNoCommonSuite = "sender-no-common-suite", Error,
        "The server accepts none of the cipher suites the sender profile's sender offers (for Exchange Online: ECDHE with AES-GCM in TLS 1.2, or TLS 1.3); static-RSA, DHE-only or CBC-only servers do not meet it.",
        "Enable ECDHE AES-GCM suites (Postfix/OpenSSL: do not exclude kECDHE or AESGCM; Windows: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 and TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 in the cipher suite order) or TLS 1.3. Run with --ciphers to see every suite the server accepts.";
    SenderCertificateRefused = "sender-certificate-refused", Error,
        "With forced TLS (--forced-tls or forced_tls in the sender profile) the sender validates the certificate, and this one fails: untrusted or incomplete chain, expired, or not for the MX host name.",
        "Install a certificate from a public CA covering the MX host name, with its intermediates. Exchange Online's message trace shows '450 4.4.317 Cannot connect to remote server' for a connector that requires TLS and cannot get it.";
    SenderCertificateIgnored = "sender-certificate-ignored", Info,
        "The certificate would fail validation, but the sender uses opportunistic TLS and delivers over TLS anyway.",
        "Nothing blocks mail from this sender today. A partner who forces TLS with certificate validation (or DANE/MTA-STS) will refuse it: fix the certificate before that.";
    ChainNotSeen = "chain-not-seen", Warning,
        "The server speaks only a TLS 1.3 our client cannot finish (a suite or group rustls lacks: see the 'our side' line); TLS 1.3 encrypts the certificate, so the chain was not seen and not checked.",
        "Nothing is known to be wrong with the server. Check its certificate with a client that has the group or suite, e.g. `openssl s_client -starttls smtp -connect HOST:25 -groups ffdhe2048`; offering x25519 or secp256r1 and TLS_AES_128_GCM_SHA256 as well lets every current sender in.";
    WeakSignature = "weak-signature", Error,
        "A certificate of the chain (not the root's own self-signature) is signed with SHA-1 or an older hash (MD5, MD4, MD2): current clients (OpenSSL 3 at its default security level, rustls, current browsers) reject the chain.",
        "Have the CA reissue the certificate (and any intermediate signed that way) with SHA-256 or better, and install the new chain.";
    WeakKey = "weak-key", Error,
        "The certificate key is smaller than required (RSA below the minimum bits, EC below 256 bits).",
        "Reissue the certificate with an RSA key of at least 2048 bits or an ECDSA P-256 key.";
    CertRevoked = "cert-revoked", Error,
        "The CA has revoked a certificate of the chain (by its CRL, its OCSP responder or the stapled response).",
        "Replace the certificate now: install a newly issued certificate (and its intermediates) on the server and restart the SMTP service. Peers that check revocation, as Exchange Online does, refuse the connection.";
    RevocationUnreachable = "revocation-unreachable", Warning,
        "A CRL or OCSP endpoint named in the certificate could not be reached from this machine.",
        "Open the firewall (or proxy) for HTTP (TCP 80) from the mail servers to the host named in the finding, as the CA documents it (for GlobalSign: crl.globalsign.com, ocsp.globalsign.com, secure.globalsign.com). Servers that cannot check revocation stop accepting mail when certificates change. Check from the mail server itself with `tlscheck endpoints --url URL` (or `certutil -URL` on Windows).";
    RevocationUrlRefused = "revocation-url-refused", Warning,
        "The certificate names a revocation URL that tlscheck does not fetch: a scheme other than http/https, or a private, loopback or link-local address.",
        "Public certificates must name public http URLs (RFC 5280 §4.2.1.13, CA/B Forum). For an internal CA, run with --allow-private-fetch from a machine inside the network; LDAP-only distribution points cannot be checked by peers outside the domain.";
    CrlStale = "crl-stale", Warning,
        "The CRL's nextUpdate has passed (or its thisUpdate is in the future): the CA is not publishing fresh CRLs.",
        "Peers that check CRLs treat a stale CRL as a failure. Publish a fresh CRL (AD CS: certutil -CRL) or ask the CA; check this machine's clock.";
    RevocationInvalid = "revocation-invalid", Warning,
        "A revocation answer could not be used: not a CRL/OCSP response, too large, stale, signed by the wrong key, or for another issuer.",
        "Fix the CA's publication: the CRL and OCSP responses must be signed by the issuing CA (or an authorized OCSP responder) and served as DER. Check for a proxy or captive portal answering instead of the CA.";
    RevocationUnknown = "revocation-unknown", Warning,
        "The OCSP responder does not know the certificate, or answered with an error (tryLater, unauthorized, internalError).",
        "An 'unknown' answer usually means the certificate was not issued by the CA this responder serves, or the responder lags behind issuance; an error status means the responder is unhealthy. Ask the CA; peers treat this as a failed revocation check.";
    OcspNotStapled = "ocsp-not-stapled", Info,
        "The server did not staple an OCSP response to the handshake (RFC 6066 status_request).",
        "Stapling spares peers the OCSP round trip and keeps working when they cannot reach the responder. Most MTAs (Postfix, Exchange) do not staple for SMTP; this is informational.";
    ClientCertRejected = "client-cert-rejected", Error,
        "The server refused the client certificate given with --client-cert.",
        "The partner's server must trust the CA of your certificate (see the CA names it sends) and accept its subject. Send the partner your certificate and chain, or use one issued by a CA it lists.";
    ClientCertRequired = "client-cert-required", Error,
        "The server asks for a client certificate and ends the session without one (mutual TLS).",
        "This server only talks to partners that present a certificate it trusts: run again with --client-cert FILE --client-key FILE, using a certificate from one of the CAs the server names.";
    DaneValid = "dane-valid", Info,
        "The MX host publishes DNSSEC-signed TLSA records and the address's certificate matches one: DANE senders (Exchange Online, Postfix, Exim with DANE) authenticate it.",
        "Nothing to do. When the certificate or key changes, publish the new TLSA record beside the old one before the switch (\"3 1 1\" of the new key), and remove the old one only after the new certificate is in place.";
    DaneMismatch = "dane-mismatch", Error,
        "The MX host's TLSA records are DNSSEC-signed and usable, but none matches the certificate chain this address presents: every DANE sender defers the mail (Exchange Online: 4.7.323 tlsa-invalid).",
        "Publish a TLSA record for the certificate the server presents now, e.g. `_25._tcp.HOST. IN TLSA 3 1 1 <SHA-256 of its public key>` (the finding shows the digest), or put back the certificate the records were made for. After a renewal, keep the old and new records side by side until every server presents the new certificate.";
    DaneBogus = "dane-bogus", Error,
        "The MX host's address or TLSA records (or the proof that there are none) fail DNSSEC validation: DANE senders treat this as an attack and defer the mail (Exchange Online: 4.7.324 dnssec-invalid).",
        "Fix the zone's signatures: re-sign the zone (expired RRSIGs are the usual cause), make the DS record at the parent match a published KSK, and check with `delv @RESOLVER _25._tcp.HOST TLSA` or https://dnsviz.net.";
    DaneUnusable = "dane-unusable", Warning,
        "The MX host publishes DNSSEC-signed TLSA records, but none is usable for SMTP (only DANE-TA(2) and DANE-EE(3) count, RFC 7672 §3.1): DANE senders still require TLS but cannot authenticate the server.",
        "Replace the records with DANE-EE ones (`_25._tcp.HOST. IN TLSA 3 1 1 <SHA-256 of the server's public key>`) or DANE-TA ones for the issuing CA (`2 1 1`). PKIX-TA(0) and PKIX-EE(1) records are ignored by SMTP senders.";
    DaneLookupFailed = "dane-lookup-failed", Warning,
        "The DNSSEC state or the TLSA records of the MX host could not be looked up (SERVFAIL, timeout, no trust anchor): DANE senders defer the mail while this lasts.",
        "Check that the zone's name servers answer TLSA queries at `_25._tcp.HOST` (some answer SERVFAIL for types they do not know); try again, or with --resolver IP.";
    DaneStarttlsMissing = "dane-starttls-missing", Error,
        "The MX host has usable TLSA records, but this address offers no STARTTLS or the TLS handshake fails: DANE senders never deliver in plaintext, so the mail waits (Exchange Online: 4.7.321 starttls-not-supported).",
        "Enable STARTTLS with a certificate that matches the TLSA records on every address of the host, or remove the TLSA records (wait for their TTL before turning TLS off).";
    DaneAuthenticatedUntrusted = "dane-authenticated-untrusted", Info,
        "The certificate chain is not trusted by the selected trust store, but DANE authenticates it: DANE senders (Exchange Online among them) deliver; senders without DANE that validate certificates (MTA-STS, forced TLS) do not.",
        "Nothing blocks DANE senders. For MTA-STS and forced-TLS senders, install a certificate from a public CA (keeping the TLSA records in step).";
    DaneExpected = "dane-expected", Warning,
        "The expect profile says this MX host publishes DANE (for Exchange Online: the *.mx.microsoft hosts), but no usable DNSSEC-signed TLSA records were found for it here.",
        "Check with a validating resolver (`delv _25._tcp.HOST TLSA`). If the records are there, the resolver tlscheck asked does not serve DNSSEC (give another with --resolver). If not, DANE is not enabled for the domain: in Exchange Online PowerShell, Enable-DnssecForVerifiedDomain then Enable-SmtpDaneInbound, and point the MX at the mx.microsoft host they name.";
    MtaStsMissing = "mta-sts-missing", Info,
        "The domain publishes no MTA-STS policy (no `v=STSv1` TXT record at `_mta-sts.DOMAIN`): senders use opportunistic TLS unless DANE applies.",
        "To require TLS from senders without DNSSEC, publish `_mta-sts.DOMAIN. TXT \"v=STSv1; id=20260101T000000\"` and a policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (start with `mode: testing`), and TLS-RPT to hear about failures.";
    MtaStsInvalid = "mta-sts-invalid", Error,
        "The domain's MTA-STS TXT record or policy is malformed (more than one v=STSv1 record, a bad id, a missing or bad version, mode, max_age or mx): senders ignore it, or keep a cached older policy.",
        "Fix the record or the policy as the finding says: exactly one TXT record `v=STSv1; id=<1-32 letters and digits>;` and a policy with `version: STSv1`, `mode: enforce|testing|none`, `max_age: <seconds>` and one `mx:` line per MX host pattern. Change the id whenever the policy changes.";
    MtaStsFetchFailed = "mta-sts-fetch-failed", Error,
        "The domain announces MTA-STS but its policy could not be fetched from https://mta-sts.DOMAIN/.well-known/mta-sts.txt (connection, certificate, redirect, HTTP status, size or time): senders without a cached policy treat the domain as having none; those with one keep enforcing it.",
        "Serve the policy over HTTPS at that exact URL with a certificate valid for mta-sts.DOMAIN from a public CA, status 200, Content-Type text/plain, and no redirect (RFC 8461 §3.3 forbids following them). If the domain dropped MTA-STS, publish `mode: none` before removing the TXT record.";
    MtaStsMxNotCovered = "mta-sts-mx-not-covered", Error,
        "An MX host matches none of the MTA-STS policy's `mx` patterns: in enforce mode MTA-STS senders refuse to deliver to it (in testing mode they only report). A `*.` pattern matches exactly one leftmost label.",
        "Add the MX host (or a pattern matching it, one label deep) to the policy's `mx:` lines, publish the policy, and change the TXT record's id so senders fetch it again.";
    MtaStsMxFails = "mta-sts-mx-fails", Error,
        "An address fails what an MTA-STS sender requires (STARTTLS, TLS 1.2 or later, a certificate chain valid against public roots, a certificate name matching the MX host): in enforce mode those senders do not deliver to it (in testing mode they only report).",
        "Fix what the finding names on that address (usually the certificate: a public CA, the full chain, the MX host name in the SAN), or put the policy in `mode: testing` while you do.";
    MtaStsTesting = "mta-sts-testing", Info,
        "The domain's MTA-STS policy is in testing mode: senders report failures (TLS-RPT) but deliver anyway.",
        "When the TLS-RPT reports show no failures, switch to `mode: enforce` and change the TXT record's id.";
    PolicyLookupFailed = "policy-lookup-failed", Warning,
        "The TXT lookup for the domain's MTA-STS (`_mta-sts.DOMAIN`) or TLS-RPT (`_smtp._tls.DOMAIN`) record failed (SERVFAIL, timeout): nothing is known about that policy.",
        "Check that the domain's name servers answer TXT queries for these names (`dig TXT _mta-sts.DOMAIN`); senders that cannot look the record up use a cached policy or none.";
    TlsRptMissing = "tlsrpt-missing", Info,
        "The domain publishes no TLS-RPT record (`_smtp._tls.DOMAIN`): senders cannot report TLS, DANE or MTA-STS failures to it.",
        "Publish `_smtp._tls.DOMAIN. TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN\"` to receive daily reports of failed TLS sessions (RFC 8460).";
    TlsRptInvalid = "tlsrpt-invalid", Warning,
        "The domain's TLS-RPT record is malformed (more than one v=TLSRPTv1 record, or no usable rua= destination): senders send no reports.",
        "Publish exactly one record `v=TLSRPTv1; rua=mailto:ADDRESS` (several destinations are comma-separated; only mailto: and https: are valid).";
    SchannelTls12Disabled = "schannel-tls12-disabled", Error,
        "`tlscheck schannel`: TLS 1.2 is off for the Client or Server side of this Windows machine (Enabled=0, DisabledByDefault=1, or the Windows default, or a Windows that cannot speak it). Exchange Online accepts only TLS 1.2 or later, so it drops the connection: 421 4.4.2 Connection dropped due to SocketError, TLS negotiation failed with error SocketError, 451 5.7.3 Must issue a STARTTLS command first.",
        "Set Enabled=dword:00000001 and DisabledByDefault=dword:00000000 under SCHANNEL\\Protocols\\TLS 1.2\\Client or \\Server, the side the message names (SCHANNEL is HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL; `tlscheck schannel --fix fix.reg` writes these keys), then restart the server. Windows Server 2008 SP2 needs update KB4019276 for TLS 1.2; earlier Windows cannot speak it.";
    SchannelLegacyEnabled = "schannel-legacy-enabled", Warning,
        "`tlscheck schannel`: SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1 is used by default on this Windows machine (RFC 8996 deprecates them; Exchange Online refuses them).",
        "Once TLS 1.2 works (Exchange's guidance: enable it, restart, test, then disable the rest), and after checking that no partner or application still needs them, set Enabled=dword:00000000 and DisabledByDefault=dword:00000001 under SCHANNEL\\Protocols\\<protocol>\\Client and \\Server (the `--fix` file has these keys as a commented-out second step), then restart the server.";
    DotnetStrongCryptoMissing = "dotnet-strong-crypto-missing", Warning,
        "`tlscheck schannel`: SchUseStrongCrypto or SystemDefaultTlsVersions is not 1 for a .NET Framework runtime (v4.0.30319 or v2.0.50727, native or WOW6432Node view): .NET programs on this machine (Exchange's among them) may offer only TLS 1.0 whatever SCHANNEL allows.",
        "Set SchUseStrongCrypto=dword:00000001 and SystemDefaultTlsVersions=dword:00000001 under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 and \\v2.0.50727, and the same under HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework (Exchange Server TLS guidance; `tlscheck schannel --fix fix.reg` writes them), then restart the server.";
    SchannelInputIncomplete = "schannel-input-incomplete", Info,
        "`tlscheck schannel`: part of what it judges was not in the input (the SCHANNEL keys, a .NET Framework registry view, or the Windows version), so that part was not checked or a default was assumed.",
        "Export the missing keys on the Windows machine and pass every file: reg export \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\" schannel.reg; reg export \"HKLM\\SOFTWARE\\Microsoft\\.NETFramework\" dotnet.reg; reg export \"HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\" dotnet32.reg; and give the Windows version with --windows-version (its build: reg query \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\" /v CurrentBuildNumber).";
}

/// The text of docs/findings.md: one heading per code, with severity, meaning and remediation.
pub fn findings_markdown() -> String {
    let mut s = String::from(
        "# Finding codes\n\n\
         Generated from `src/finding/codes.rs` (run `TLSCHECK_BLESS=1 cargo test --lib docs_findings` after a change).\n\
         Codes are stable: they are never renamed or reused. A finding in a report carries the code, its severity,\n\
         the target, host and address it concerns, a message with the specifics, and the remediation below.\n\n\
         Severity decides the verdict: any `error` fails the target (exit code 1); a target with only warnings and\n\
         info passes if at least one address was probed, and is inconclusive (exit code 3) otherwise.\n",
    );
    for c in Code::ALL {
        s.push_str(&format!(
            "\n## `{}`\n\nSeverity: **{}**\n\n{}\n\nRemediation: {}\n",
            c.as_str(),
            c.severity().as_str(),
            c.description(),
            c.remediation()
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(c
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert!(!c.description().is_empty() && !c.remediation().is_empty());
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }

    /// docs/findings.md is generated from this table; `TLSCHECK_BLESS=1 cargo test` rewrites it.
    #[test]
    fn docs_findings_matches_the_code_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings.md");
        let expected = findings_markdown();
        if std::env::var_os("TLSCHECK_BLESS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        for c in Code::ALL {
            assert!(
                actual.contains(&format!("## `{}`", c.as_str())),
                "docs/findings.md lacks {}",
                c.as_str()
            );
        }
        assert!(
            actual == expected,
            "docs/findings.md is stale: run TLSCHECK_BLESS=1 cargo test --lib docs_findings"
        );
    }
}
