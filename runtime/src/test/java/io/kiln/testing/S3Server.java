package io.kiln.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real S3 server (s3proxy on its filesystem backend) as a separate process on 127.0.0.1, one per
 * test JVM, started on first use and ended when the JVM exits, its files deleted with it. A bucket
 * is a directory of its data directory, so tests create buckets with {@link #bucket}. Its endpoint
 * never changes while the JVM runs (Hadoop caches a filesystem per bucket with the endpoint it was
 * made with): a server a test killed is started again on the same port by the next {@link #get}.
 */
public final class S3Server {
  private static S3Server instance;

  private volatile Process process;
  private final Path home;
  private final int port;
  private final Path dataDir;
  private final String accessKey;
  private final String secretKey;

  private S3Server(Process process, Path home, int port, Path dataDir, String accessKey, String secretKey) {
    this.process = process;
    this.home = home;
    this.port = port;
    this.dataDir = dataDir;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  public static synchronized S3Server get() {
    if (instance == null) {
      instance = start();
    } else if (!instance.process.isAlive()) {
      instance.restart();
    }
    return instance;
  }

  private static S3Server start() {
    String jar = System.getProperty("kiln.s3proxy.jar");
    if (jar == null || !Files.exists(Paths.get(jar))) {
      throw new IllegalStateException("s3proxy jar not found (system property kiln.s3proxy.jar = " + jar
          + "); run the tests through Maven");
    }
    try {
      Path dir = Files.createTempDirectory("kiln-s3-");
      Path data = Files.createDirectories(dir.resolve("data"));
      SecureRandom random = new SecureRandom();
      String access = "kiln" + HexFormat.of().formatHex(random.generateSeed(6));
      String secret = HexFormat.of().formatHex(random.generateSeed(16));
      // s3proxy takes the port it is given a second or two after this JVM let it go: should another
      // process take it first, s3proxy exits, and the server starts again on another free port
      for (int tries = 1; ; tries++) {
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
          port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("s3proxy.properties"), String.join("\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + access,
            "s3proxy.credential=" + secret,
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + data,
            ""));
        S3Server server = new S3Server(launch(dir), dir, port, data, access, secret);
        try {
          server.awaitReady();
        } catch (IllegalStateException e) {
          server.process.destroyForcibly();
          if (tries == 3) {
            throw e;
          }
          continue;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutDown, "kiln-s3-server-stop"));
        return server;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process launch(Path dir) throws IOException {
    return new ProcessBuilder(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-jar", System.getProperty("kiln.s3proxy.jar"), "--properties",
        dir.resolve("s3proxy.properties").toString()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("s3proxy.log").toFile()))
        .start();
  }

  /** At JVM exit: ends the process, then deletes the server's files. */
  private void shutDown() {
    Process p = process;
    p.destroyForcibly();
    try {
      p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    TestSpark.delete(home);
  }

  /** Kills the server process (SIGKILL); requests fail until {@link #restart()}. */
  public synchronized void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts the server again, same port, data and credentials, and waits until it answers (a
   * no-op when it runs).
   */
  public synchronized void restart() {
    if (process.isAlive()) {
      return;
    }
    try {
      process = launch(home);
      awaitReady();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady() {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("s3proxy on port " + port + " exited with " + process.exitValue()
            + "; see " + home.resolve("s3proxy.log"));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        int code = c.getResponseCode();
        c.disconnect();
        if (code > 0) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("s3proxy did not answer within 60 s");
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** Creates a bucket (a directory of the server's data directory); returns its name. */
  public String bucket(String name) {
    try {
      Files.createDirectories(dataDir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return name;
  }

  /** The environment a Kiln process needs to reach this server, as a user would set it. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ACCESS_KEY_ID", accessKey);
    env.put("AWS_SECRET_ACCESS_KEY", secretKey);
    env.put("AWS_ENDPOINT_URL", endpoint());
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    return env;
  }
}
