"""TLS material and the kubeconfig for the test API server.

Everything is generated fresh into the state directory at start-up with the
`cryptography` package: a CA, a server certificate for 127.0.0.1/localhost, an
admin client certificate (CN=admin, O=system:masters), a second unrelated CA
with a client certificate of its own (for "wrong CA" tests) and a random
bearer token for the user "token-user".
"""

import base64
import datetime
import ipaddress
import os
import secrets

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key(key_type):
    # P-256 keys are fast to generate and every client (Go, OpenSSL) takes them;
    # RSA is what most real clusters (kubeadm, kind) hand out.
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn, org=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _builder(subject, issuer, pub, days):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days)))


def _make_ca(cn, key_type):
    key = _key(key_type)
    name = _name(cn)
    cert = (_builder(name, name, key.public_key(), 30)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_leaf(ca_key, ca_cert, subject, server, key_type):
    key = _key(key_type)
    b = (_builder(subject, ca_cert.subject, key.public_key(), 30)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(
             digital_signature=True, key_encipherment=key_type == "rsa", key_cert_sign=False,
             crl_sign=False, content_commitment=False, data_encipherment=False,
             key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
             ca_key.public_key()), critical=False))
    if server:
        b = (b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                             critical=False)
             .add_extension(x509.SubjectAlternativeName([
                 x509.DNSName("localhost"),
                 x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False))
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                            critical=False)
    return key, b.sign(ca_key, hashes.SHA256())


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _write(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def generate(statedir, key_type="ec"):
    """Write the CA, server, client and other-CA material and the token file.

    key_type is "ec" (P-256) or "rsa" (2048 bits).  Returns a dict of the file
    paths and the token.
    """
    ca_key, ca_cert = _make_ca("cnpgops-test-ca", key_type)
    srv_key, srv_cert = _make_leaf(ca_key, ca_cert, _name("kube-apiserver"), True, key_type)
    cli_key, cli_cert = _make_leaf(ca_key, ca_cert, _name("admin", "system:masters"), False,
                                   key_type)
    other_key, other_cert = _make_ca("cnpgops-other-ca", key_type)
    ocli_key, ocli_cert = _make_leaf(other_key, other_cert, _name("admin", "system:masters"),
                                     False, key_type)
    files = {
        "ca.crt": _pem_cert(ca_cert), "ca.key": _pem_key(ca_key),
        "server.crt": _pem_cert(srv_cert), "server.key": _pem_key(srv_key),
        "client.crt": _pem_cert(cli_cert), "client.key": _pem_key(cli_key),
        "other-ca.crt": _pem_cert(other_cert), "other-ca.key": _pem_key(other_key),
        "other-client.crt": _pem_cert(ocli_cert), "other-client.key": _pem_key(ocli_key),
    }
    for name, data in files.items():
        _write(os.path.join(statedir, name), data, 0o600 if name.endswith(".key") else 0o644)
    token = secrets.token_hex(24)
    _write(os.path.join(statedir, "token"), (token + "\n").encode())
    return {name: os.path.join(statedir, name) for name in files} | {"token": token}


def write_kubeconfig(statedir, port, token):
    """Write STATEDIR/kubeconfig (certificates embedded as *-data) and
    STATEDIR/kubeconfig-files (the same, with file paths): contexts admin
    (client certificate, the current context) and token (bearer token)."""
    def b64(name):
        with open(os.path.join(statedir, name), "rb") as fh:
            return base64.b64encode(fh.read()).decode()

    def path(name):
        return os.path.join(statedir, name)

    for fname, ca, cert, key in (
            ("kubeconfig", {"certificate-authority-data": b64("ca.crt")},
             {"client-certificate-data": b64("client.crt")},
             {"client-key-data": b64("client.key")}),
            ("kubeconfig-files", {"certificate-authority": path("ca.crt")},
             {"client-certificate": path("client.crt")},
             {"client-key": path("client.key")})):
        cfg = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": dict(
                {"server": "https://127.0.0.1:%d" % port}, **ca)}],
            "users": [
                {"name": "admin", "user": dict(cert, **key)},
                {"name": "token-user", "user": {"token": token}},
            ],
            "contexts": [
                {"name": "admin", "context": {"cluster": "test", "user": "admin",
                                              "namespace": "default"}},
                {"name": "token", "context": {"cluster": "test", "user": "token-user",
                                              "namespace": "default"}},
            ],
            "current-context": "admin",
            "preferences": {},
        }
        _write(path(fname), yaml.safe_dump(cfg, default_flow_style=False,
                                           sort_keys=False).encode())
