package dev.mambajvm.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The hub's {@code resolve} URLs for one repo, on 127.0.0.1, with the headers huggingface.co sends:
 * {@code X-Repo-Commit}, {@code ETag}, and for {@code *.safetensors} {@code X-Linked-Etag} (SHA-256)
 * and {@code X-Linked-Size}; 404 {@code EntryNotFound} for other files, 401 for other repos.
 * (The model module's FakeHub covers redirects, ranges and failures; this one is for the CLI.)
 */
final class LoopbackHub implements AutoCloseable {
    final List<String> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final String repo;
    private final String commit;
    private final Map<String, byte[]> files;

    LoopbackHub(String repo, String commit, Map<String, byte[]> files) throws IOException {
        this.repo = repo;
        this.commit = commit;
        this.files = files;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort()).toString();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            requests.add(x.getRequestMethod() + " " + path);
            String prefix = "/" + repo + "/resolve/";
            if (!path.startsWith(prefix)) {
                x.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
                x.sendResponseHeaders(401, -1);
                return;
            }
            String rest = path.substring(prefix.length());
            String file = rest.substring(rest.indexOf('/') + 1);
            byte[] bytes = files.get(file);
            x.getResponseHeaders().set("X-Repo-Commit", commit);
            if (bytes == null) {
                x.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                x.sendResponseHeaders(404, -1);
                return;
            }
            if (file.endsWith(".safetensors")) {
                x.getResponseHeaders().set("X-Linked-Etag", "\"" + hex("SHA-256", bytes) + "\"");
                x.getResponseHeaders().set("X-Linked-Size", Integer.toString(bytes.length));
            }
            x.getResponseHeaders().set("ETag", "\"" + hex("SHA-1", bytes) + "\"");
            if (x.getRequestMethod().equals("HEAD")) {
                x.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
                x.sendResponseHeaders(200, -1);
                return;
            }
            x.sendResponseHeaders(200, bytes.length);
            x.getResponseBody().write(bytes);
        }
    }

    private static String hex(String algorithm, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
