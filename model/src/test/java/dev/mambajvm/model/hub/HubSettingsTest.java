package dev.mambajvm.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment variables, with huggingface_hub's precedence (its constants.py and _auth.py). */
class HubSettingsTest {
    @TempDir
    Path tmp;

    @Test
    void defaults() {
        HubSettings s = HubSettings.fromEnvironment(Map.of("HOME", tmp.toString()));
        assertEquals(URI.create("https://huggingface.co"), s.endpoint());
        assertEquals(tmp.resolve(".cache/huggingface/hub"), s.cache());
        assertEquals(Optional.empty(), s.token());
        assertFalse(s.offline());
    }

    @Test
    void cacheFolderPrecedence() {
        String home = tmp.toString();
        assertEquals(Path.of("/x/hub"), HubSettings.fromEnvironment(Map.of("HOME", home, "XDG_CACHE_HOME", "/x",
                "HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/legacy", "HF_HUB_CACHE", "/x/hub")).cache());
        assertEquals(Path.of("/legacy"), HubSettings.fromEnvironment(Map.of("HOME", home, "HF_HOME", "/h",
                "HUGGINGFACE_HUB_CACHE", "/legacy")).cache());
        assertEquals(Path.of("/h/hub"), HubSettings.fromEnvironment(Map.of("HOME", home, "XDG_CACHE_HOME", "/x",
                "HF_HOME", "/h")).cache());
        assertEquals(Path.of("/x/huggingface/hub"), HubSettings.fromEnvironment(Map.of("HOME", home, "XDG_CACHE_HOME", "/x")).cache());
        assertEquals(tmp.resolve("c/hub"), HubSettings.fromEnvironment(Map.of("HOME", home, "HF_HOME", "~/c")).cache());
    }

    @Test
    void tokenPrecedence() throws Exception {
        Path hfHome = Files.createDirectories(tmp.resolve("hf"));
        Files.writeString(hfHome.resolve("token"), "hf_from_file\n");
        String h = hfHome.toString();
        assertEquals(Optional.of("hf_env"), HubSettings.fromEnvironment(Map.of("HF_HOME", h, "HF_TOKEN", "hf_env",
                "HUGGING_FACE_HUB_TOKEN", "hf_legacy")).token());
        assertEquals(Optional.of("hf_legacy"), HubSettings.fromEnvironment(Map.of("HF_HOME", h, "HUGGING_FACE_HUB_TOKEN",
                "hf_legacy")).token());
        assertEquals(Optional.of("hf_from_file"), HubSettings.fromEnvironment(Map.of("HF_HOME", h, "HF_TOKEN", " ")).token());
        Path other = Files.writeString(tmp.resolve("elsewhere"), "hf_path");
        assertEquals(Optional.of("hf_path"), HubSettings.fromEnvironment(Map.of("HF_HOME", h, "HF_TOKEN_PATH", other.toString())).token());
        assertEquals(Optional.empty(), HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.resolve("none").toString())).token());
    }

    @Test
    void offlineAndEndpoint() {
        Map<String, String> home = Map.of("HOME", tmp.toString());
        for (String yes : new String[] {"1", "on", "YES", "true"}) {
            assertTrue(HubSettings.fromEnvironment(with(home, "HF_HUB_OFFLINE", yes)).offline(), yes);
        }
        assertFalse(HubSettings.fromEnvironment(with(home, "HF_HUB_OFFLINE", "0")).offline());
        assertTrue(HubSettings.fromEnvironment(with(home, "TRANSFORMERS_OFFLINE", "1")).offline());
        assertEquals(URI.create("http://127.0.0.1:8080/mirror"),
                HubSettings.fromEnvironment(with(home, "HF_ENDPOINT", "http://127.0.0.1:8080/mirror/")).endpoint());
        HubException e = assertThrows(HubException.class,
                () -> HubSettings.fromEnvironment(with(home, "HF_ENDPOINT", "huggingface.co")));
        assertEquals("HF_ENDPOINT 'huggingface.co' is not an http(s) URL such as https://huggingface.co", e.getMessage());
    }

    private static Map<String, String> with(Map<String, String> env, String k, String v) {
        Map<String, String> m = new java.util.HashMap<>(env);
        m.put(k, v);
        return m;
    }
}
