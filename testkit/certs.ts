import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Certificates made with openssl at test time: CAs, and leaf certificates they sign, for servers
// (SAN 127.0.0.1 and localhost) and clients (with a SPIFFE ID when asked). Files only; nothing is installed anywhere.

export interface Issued {
  cert: string;
  key: string;
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), "roomgate-pki-"));

  private openssl(...args: string[]) {
    execFileSync("openssl", args, { cwd: this.dir, stdio: ["ignore", "ignore", "pipe"] });
  }

  /** A self-signed CA. */
  ca(name: string): Issued {
    const issued = { cert: join(this.dir, `${name}.pem`), key: join(this.dir, `${name}.key`) };
    this.openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-keyout",
      issued.key,
      "-out",
      issued.cert,
    );
    return issued;
  }

  /**
   * A leaf signed by `ca`: a server certificate for loopback, or a client certificate; `uri` is
   * a URI SAN, the identity a Manager reads (spiffe://roomgate/gateway...).
   */
  leaf(name: string, ca: Issued, usage: "server" | "client", uri?: string): Issued {
    const issued = { cert: join(this.dir, `${name}.pem`), key: join(this.dir, `${name}.key`) };
    const csr = join(this.dir, `${name}.csr`);
    const ext = join(this.dir, `${name}.ext`);
    writeFileSync(
      ext,
      usage === "server"
        ? "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
        : "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n" +
            (uri ? `subjectAltName=URI:${uri}\n` : ""),
    );
    this.openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      issued.key,
      "-out",
      csr,
    );
    this.openssl(
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.cert,
      "-CAkey",
      ca.key,
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      ext,
      "-out",
      issued.cert,
    );
    return issued;
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
