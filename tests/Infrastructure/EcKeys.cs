using System.Security.Cryptography;

namespace FlashSale.Tests.Infrastructure;

/// <summary>A fresh P-256 key pair as PEM, the way `openssl genpkey` and `openssl pkey -pubout` write them.</summary>
public sealed record EcKeyPair(string PrivatePem, string PublicPem)
{
    public static EcKeyPair NewP256() => New(ECCurve.NamedCurves.nistP256);

    public static EcKeyPair New(ECCurve curve)
    {
        using var ecdsa = ECDsa.Create(curve);
        return new EcKeyPair(ecdsa.ExportPkcs8PrivateKeyPem(), ecdsa.ExportSubjectPublicKeyInfoPem());
    }
}
