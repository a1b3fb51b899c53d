package dev.mambajvm.model.hub;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the hub is, where its cache is, the token and whether to stay offline: read from the same
 * environment variables, with the same precedence, as Python's {@code huggingface_hub}.
 *
 * @param endpoint the hub, without a trailing slash ({@code HF_ENDPOINT}, default https://huggingface.co)
 * @param cache    the hub cache folder ({@code HF_HUB_CACHE}, {@code HUGGINGFACE_HUB_CACHE},
 *                 {@code $HF_HOME/hub}, {@code $XDG_CACHE_HOME/huggingface/hub}, {@code ~/.cache/huggingface/hub})
 * @param token    sent as {@code Authorization: Bearer} ({@code HF_TOKEN}, {@code HUGGING_FACE_HUB_TOKEN},
 *                 then the file {@code HF_TOKEN_PATH} or {@code $HF_HOME/token} that {@code hf auth login} writes)
 * @param offline  never touch the network ({@code HF_HUB_OFFLINE} or {@code TRANSFORMERS_OFFLINE} = 1/ON/YES/TRUE)
 */
public record HubSettings(URI endpoint, Path cache, Optional<String> token, boolean offline) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        String scheme = endpoint.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("the hub endpoint must be an http(s) URL, got " + endpoint);
        }
        String s = endpoint.toString();
        if (s.endsWith("/")) {
            endpoint = URI.create(s.replaceAll("/+$", ""));
        }
    }

    /** The settings {@code env} (the process environment, or a test's map) gives. */
    public static HubSettings fromEnvironment(Map<String, String> env) {
        String endpointText = env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT);
        URI endpoint;
        try {
            endpoint = new URI(endpointText.strip());
        } catch (URISyntaxException e) {
            throw new HubException("HF_ENDPOINT '" + endpointText + "' is not a URL (" + e.getReason() + ")", true);
        }
        String scheme = endpoint.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
            throw new HubException("HF_ENDPOINT '" + endpointText + "' is not an http(s) URL such as " + DEFAULT_ENDPOINT, true);
        }
        Path home = path(env, env.get("HF_HOME"), null);
        if (home == null) {
            Path xdg = path(env, env.get("XDG_CACHE_HOME"), null);
            home = (xdg != null ? xdg : userHome(env).resolve(".cache")).resolve("huggingface");
        }
        Path cache = path(env, env.get("HF_HUB_CACHE"), path(env, env.get("HUGGINGFACE_HUB_CACHE"), home.resolve("hub")));
        Optional<String> token = clean(env.get("HF_TOKEN"));
        if (token.isEmpty()) {
            token = clean(env.get("HUGGING_FACE_HUB_TOKEN"));
        }
        if (token.isEmpty()) {
            token = readToken(path(env, env.get("HF_TOKEN_PATH"), home.resolve("token")));
        }
        // As huggingface_hub: an empty HF_HUB_OFFLINE falls through to TRANSFORMERS_OFFLINE.
        String offlineText = env.get("HF_HUB_OFFLINE");
        if (offlineText == null || offlineText.isEmpty()) {
            offlineText = env.get("TRANSFORMERS_OFFLINE");
        }
        boolean offline = offlineText != null && TRUE.contains(offlineText.toUpperCase(Locale.ROOT));
        return new HubSettings(endpoint, cache, token, offline);
    }

    /** {@code text} as a path with a leading {@code ~} expanded; {@code fallback} when unset or empty. */
    private static Path path(Map<String, String> env, String text, Path fallback) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            if (text.equals("~") || text.startsWith("~/")) {
                return userHome(env).resolve(text.substring(Math.min(2, text.length())));
            }
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new HubException("'" + text + "' from the environment is not a valid path (" + e.getReason() + ")", true);
        }
    }

    private static Path userHome(Map<String, String> env) {
        String home = env.get("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"));
    }

    private static Optional<String> clean(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String t = token.replace("\r", "").replace("\n", "").strip();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    private static Optional<String> readToken(Path file) {
        try {
            return Files.isRegularFile(file) ? clean(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Settings for tests and embedders: no token, online. */
    public static HubSettings of(URI endpoint, Path cache) {
        return new HubSettings(endpoint, cache, Optional.empty(), false);
    }

    public HubSettings withToken(String token) {
        return new HubSettings(endpoint, cache, Optional.of(token), offline);
    }

    public HubSettings withOffline(boolean offline) {
        return new HubSettings(endpoint, cache, token, offline);
    }
}
