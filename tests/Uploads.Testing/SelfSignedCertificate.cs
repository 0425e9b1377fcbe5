using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Uploads.Testing;

/// <summary>
/// A throw-away TLS server certificate for one Azurite instance: self-signed ECDSA P-256, valid for
/// <c>127.0.0.1</c>, <c>::1</c> and <c>localhost</c>, server-authentication EKU, valid for one day.
/// Written as PEM (certificate and PKCS#8 key), the format Azurite's <c>--cert</c>/<c>--key</c> take
/// and Python's <c>REQUESTS_CA_BUNDLE</c>/<c>SSL_CERT_FILE</c> read. No openssl needed.
/// </summary>
public static class SelfSignedCertificate
{
    /// <summary>Creates the certificate (with its private key) and writes <c>cert.pem</c> and <c>key.pem</c> into <paramref name="directory"/>.</summary>
    /// <returns>The certificate WITHOUT its private key, and the paths written.</returns>
    public static (X509Certificate2 Certificate, string CertificatePemPath, string KeyPemPath) CreatePemFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=Uploads tests (Azurite)", key, HashAlgorithmName.SHA256);

        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build(critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        var subjectKeyIdentifier = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyIdentifier);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyIdentifier));

        var now = DateTimeOffset.UtcNow;
        using var withKey = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        var certificatePemPath = Path.Combine(directory, "cert.pem");
        var keyPemPath = Path.Combine(directory, "key.pem");
        File.WriteAllText(certificatePemPath, withKey.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPemPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPemPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (X509CertificateLoader.LoadCertificate(withKey.RawData), certificatePemPath, keyPemPath);
    }
}
