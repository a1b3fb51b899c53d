package dev.mambajvm.model.weights;

import dev.mambajvm.model.JsonFiles;
import dev.mambajvm.model.ModelFormatException;
import dev.mambajvm.model.config.MambaConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A checkpoint directory: config.json and the weights, either one {@code model.safetensors} or the
 * shards listed by {@code model.safetensors.index.json} ({@code {"weight_map": {tensor: shard file}}}).
 * All files are mapped in one shared arena, so {@link #close()} unmaps them together. Lookups accept
 * both transformers' and state-spaces' spelling of a name (see {@link TensorNames}).
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final MambaConfig config;
    private final Arena arena;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;

    private Checkpoint(Path directory, MambaConfig config, Arena arena, List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.directory = directory;
        this.config = config;
        this.arena = arena;
        this.files = files;
        this.tensors = tensors;
    }

    /** Reads config.json and maps the weights of {@code directory}. */
    public static Checkpoint open(Path directory) {
        MambaConfig config = MambaConfig.read(directory.resolve(MambaConfig.FILE_NAME));
        Arena arena = Arena.ofShared();
        try {
            List<SafetensorsFile> files = new ArrayList<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Path index = directory.resolve(INDEX_FILE);
            if (Files.exists(index)) {
                openShards(directory, index, arena, files, tensors);
            } else if (Files.exists(directory.resolve(SINGLE_FILE))) {
                SafetensorsFile file = SafetensorsFile.open(directory.resolve(SINGLE_FILE), arena);
                files.add(file);
                tensors.putAll(file.tensors());
            } else {
                throw new ModelFormatException(directory + ": no " + SINGLE_FILE + " or " + INDEX_FILE
                        + " (pytorch_model.bin checkpoints are not read: convert them to safetensors)");
            }
            return new Checkpoint(directory, config, arena, List.copyOf(files), Collections.unmodifiableMap(tensors));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A checkpoint of tensors already in memory (a benchmark's random weights of a real model's
     * shapes, so that no file of gigabytes is written): {@code label} stands for the directory in
     * messages; the checkpoint owns {@code arena}, which holds the tensors' data, and closes it.
     */
    public static Checkpoint inMemory(Path label, MambaConfig config, Map<String, Tensor> tensors, Arena arena) {
        return new Checkpoint(label, config, arena, List.of(), Collections.unmodifiableMap(new LinkedHashMap<>(tensors)));
    }

    /** Maps every shard the index names; checks each listed tensor is in its shard and no name is in two. */
    private static void openShards(Path directory, Path index, Arena arena, List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new ModelFormatException(index + ": cannot be read (" + e + ")", e);
        }
        Map<String, Object> json = JsonFiles.readObject(index.toString(), bytes);
        if (!(json.get("weight_map") instanceof Map<?, ?> weightMap)) {
            throw new ModelFormatException(index + ": \"weight_map\" is " + JsonFiles.describe(json.get("weight_map"))
                    + " (expected an object {tensor name: shard file})");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : weightMap.entrySet()) {
            if (!(e.getValue() instanceof String shard)) {
                throw new ModelFormatException(index + ": \"weight_map\" entry \"" + e.getKey() + "\" is "
                        + JsonFiles.describe(e.getValue()) + " (expected a shard file name)");
            }
            shardOf.put((String) e.getKey(), shard);
        }
        Map<String, String> foundIn = new LinkedHashMap<>();
        for (String shard : new TreeSet<>(shardOf.values())) {
            Path shardPath = directory.resolve(shard).normalize();
            if (!shardPath.startsWith(directory.normalize())) {
                throw new ModelFormatException(index + ": shard \"" + shard + "\" is outside the checkpoint directory");
            }
            if (!Files.exists(shardPath)) {
                throw new ModelFormatException(index + ": shard \"" + shard + "\" does not exist in " + directory);
            }
            SafetensorsFile file = SafetensorsFile.open(shardPath, arena);
            files.add(file);
            for (Tensor t : file.tensors().values()) {
                String earlier = foundIn.putIfAbsent(t.name(), shard);
                if (earlier != null) {
                    throw new ModelFormatException(index + ": tensor \"" + t.name() + "\" is in both shards \""
                            + earlier + "\" and \"" + shard + "\"");
                }
                tensors.put(t.name(), t);
            }
        }
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            if (!e.getValue().equals(foundIn.get(e.getKey()))) {
                throw new ModelFormatException(index + ": tensor \"" + e.getKey() + "\" is listed in shard \""
                        + e.getValue() + "\" but " + (foundIn.containsKey(e.getKey())
                                ? "is in \"" + foundIn.get(e.getKey()) + "\"" : "is in no shard"));
            }
        }
    }

    public Path directory() {
        return directory;
    }

    public MambaConfig config() {
        return config;
    }

    /** Every tensor under the name it has in its file. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The mapped files (one, or the shards in name order). */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** The tensor called {@code name} or one of its other spellings ({@link TensorNames#spellings}). */
    public Optional<Tensor> find(String name) {
        for (String spelling : TensorNames.spellings(name)) {
            Tensor t = tensors.get(spelling);
            if (t != null) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Like {@link #find} but a ModelFormatException naming the checkpoint and the spellings tried. */
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new ModelFormatException(directory + ": tensor \"" + name + "\" missing"
                + (TensorNames.spellings(name).size() > 1 ? " (also tried " + TensorNames.spellings(name).subList(1, TensorNames.spellings(name).size()) + ")" : "")));
    }

    /** The output projection [vocab, hidden]: {@code lm_head.weight}, or the embeddings when tied. */
    public Tensor lmHead() {
        if (config.tieWordEmbeddings()) {
            return tensor(TensorNames.EMBEDDINGS);
        }
        return tensor(TensorNames.LM_HEAD);
    }

    /** Unmaps every file of the checkpoint; its tensors must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
