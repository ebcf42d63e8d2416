package io.kiln.record;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.storage.Store;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one store of job records, for training and tuning jobs alike: under a job root on any Hadoop
 * filesystem, {@code <root>/<folder>/<name>/record.json} with {@code job.log}, the lease ({@link
 * Lease}) and, when someone asked, {@code stop-request.json} beside it. Records are written whole
 * (see {@link Store}); a new job's record is created exclusively.
 *
 * @param <R> the record type, read and written as JSON
 */
public final class RecordStore<R> {
  private final String root;
  private final String shownRoot;
  private final Store store;
  private final String folder;
  private final Kind kind;
  private final Class<R> type;
  private final Function<R, String> nameOf;
  private final Function<R, Instant> createdOf;
  private final java.util.function.Supplier<com.fasterxml.jackson.databind.ObjectReader> summaryReader;

  /**
   * A store of one kind of record.
   *
   * @param root the job root, as a Hadoop URI
   * @param folder the kind's folder under the root ({@code training-jobs}, {@code tuning-jobs})
   * @param kind the kind for messages and the command that describes it ({@code training job},
   *     {@code describe})
   * @param nameOf a record's name
   * @param createdOf a record's creation time (may be null), for listing newest first
   */
  public RecordStore(String root, Store store, String folder, Kind kind, Class<R> type, Function<R, String> nameOf,
      Function<R, Instant> createdOf) {
    this(root, store, folder, kind, type, nameOf, createdOf, () -> Json.MAPPER.readerFor(type));
  }

  /**
   * A store whose {@link #list()} reads records with the reader {@code summaryReader} gives (one that
   * skips the members a listing does not show, e.g. {@link JobRecord#summaryReader()}, asked for on
   * the first listing); {@link #load} reads them whole.
   */
  public RecordStore(String root, Store store, String folder, Kind kind, Class<R> type, Function<R, String> nameOf,
      Function<R, Instant> createdOf,
      java.util.function.Supplier<com.fasterxml.jackson.databind.ObjectReader> summaryReader) {
    this(root, root, store, folder, kind, type, nameOf, createdOf, summaryReader);
  }

  /**
   * A store whose messages name the job root as {@code shownRoot} ({@link #shownRoot()}), e.g. the
   * {@code s3://} URI a user gave for the {@code s3a://} one Kiln reads through.
   */
  public RecordStore(String root, String shownRoot, Store store, String folder, Kind kind, Class<R> type,
      Function<R, String> nameOf, Function<R, Instant> createdOf,
      java.util.function.Supplier<com.fasterxml.jackson.databind.ObjectReader> summaryReader) {
    this.summaryReader = summaryReader;
    this.root = root;
    this.shownRoot = shownRoot;
    this.store = store;
    this.folder = folder;
    this.kind = kind;
    this.type = type;
    this.nameOf = nameOf;
    this.createdOf = createdOf;
  }

  /**
   * A kind of record for messages.
   *
   * @param name e.g. {@code training job}
   * @param describeCommand the CLI command that shows one, e.g. {@code describe}
   */
  public record Kind(String name, String describeCommand) {}

  /** The job root as a Hadoop URI, the one read and written through. */
  public String root() {
    return root;
  }

  /**
   * The job root as messages show it: as the user gave it ({@code s3://bucket/jobs}, a relative
   * path), credentials in it masked ({@link io.kiln.spec.SpecUris#masked}).
   */
  public String shownRoot() {
    return shownRoot;
  }

  public Store store() {
    return store;
  }

  /**
   * The record's directory, ending in {@code /}. Every read and write of a record, its log and its
   * stop request goes through here, so a name from a command line cannot lead outside the store.
   *
   * @throws KilnException USER when {@code name} is not a job name (SageMaker's rule: 1 to 63
   *     letters, digits and hyphens), e.g. one with {@code ../} or a slash
   */
  public String directory(String name) {
    if (!io.kiln.spec.Names.isJobName(name)) {
      throw KilnException.user("'" + io.kiln.spi.Messages.echo(name) + "' is not a valid " + what() + " name: use 1 to"
          + " 63 letters, digits and hyphens, starting and ending with a letter or digit");
    }
    return Uris.join(root, folder, name) + "/";
  }

  private String what() {
    return kind.name();
  }

  private String command() {
    return kind.describeCommand();
  }

  /**
   * Creates a new record; exactly one of several creators of the same name wins where the filesystem
   * has an exclusive create.
   *
   * @throws KilnException USER (ResourceInUse) when a record of that name exists
   */
  public void create(R record) {
    String name = nameOf.apply(record);
    if (!store.createIfAbsent(directory(name) + "record.json", Json.write(record).getBytes(StandardCharsets.UTF_8))) {
      throw KilnException.user("ResourceInUse: a " + what() + " named '" + name + "' already exists in " + shownRoot
          + "; choose another name (see 'kiln " + command() + " " + name + "')");
    }
  }

  public void save(R record) {
    store.writeText(directory(nameOf.apply(record)) + "record.json", Json.write(record));
  }

  /**
   * The record of {@code name}, or empty when there is none.
   *
   * @throws KilnException INTERNAL naming the file when the record exists but cannot be read (e.g. a
   *     write that was cut short on a filesystem without atomic replace); USER when there is none and
   *     the job root itself cannot be listed (its bucket does not exist, the credentials are refused),
   *     so that is not mistaken for a missing job
   */
  public Optional<R> load(String name) {
    Optional<R> record = load(name, Json.MAPPER.readerFor(type));
    if (record.isEmpty()) {
      listRoot(); // an object store answers "not found" for a key in a bucket that does not exist
    }
    return record;
  }

  private Optional<R> load(String name, com.fasterxml.jackson.databind.ObjectReader reader) {
    String file = directory(name) + "record.json";
    return store.readText(file).map(text -> {
      try {
        return Json.<R>read(text, reader, what() + " record of " + name);
      } catch (KilnException e) {
        throw KilnException.internal("The " + what() + " record " + file
            + " cannot be read (" + Messages.oneLine(rootCause(e)) + "); it was cut short or edited by hand. Its job "
            + "cannot be described; delete its folder to remove it from 'kiln list'", e);
      }
    });
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    // Jackson appends the source excerpt and location on later lines
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  public boolean exists(String name) {
    return store.exists(directory(name) + "record.json");
  }

  /**
   * Every record, newest first, as a listing shows it (read with the store's summary reader: whole
   * unless the store was made with one that skips members), and apart from them every record that
   * exists but cannot be read (truncated, not JSON, not a record): one broken record never hides the
   * others.
   */
  public Listing<R> list() {
    List<R> out = new ArrayList<>();
    List<Unreadable> broken = new ArrayList<>();
    for (Store.Entry s : listRoot()) {
      // a folder whose name no job can have was not made by Kiln
      if (s.directory() && io.kiln.spec.Names.isJobName(s.name())) {
        String name = s.name();
        try {
          load(name, summaryReader.get()).ifPresent(out::add);
        } catch (KilnException e) {
          broken.add(new Unreadable(name, e.getMessage()));
        }
      }
    }
    out.sort(Comparator.comparing(createdOf, Comparator.nullsLast(Comparator.reverseOrder())));
    broken.sort(Comparator.comparing(Unreadable::name));
    return new Listing<>(List.copyOf(out), List.copyOf(broken));
  }

  /**
   * The entries of the records' folder.
   *
   * @throws KilnException USER naming the job root as given when the store cannot list it (no such
   *     bucket, credentials refused, endpoint unreachable)
   */
  private List<Store.Entry> listRoot() {
    try {
      return store.list(Uris.join(root, folder) + "/");
    } catch (KilnException e) {
      if (e.getCause() == null) {
        throw e;
      }
      throw StorageProbe.classify(e.getCause(), shownRoot, "the job root");
    }
  }

  /**
   * What {@link #list()} found.
   *
   * @param records the readable records, newest first
   * @param unreadable the records that exist but cannot be read, by name
   */
  public record Listing<R>(List<R> records, List<Unreadable> unreadable) {}

  /**
   * A record that exists but cannot be read.
   *
   * @param name the job's name (its folder)
   * @param reason one line: which file and why (e.g. JSON that ends early)
   */
  public record Unreadable(String name, String reason) {}

  /** Asks the job's driver, from any process, to stop it. */
  public void requestStop(String name, String reason) {
    store.writeText(directory(name) + "stop-request.json", Json.write(new StopRequest(Instant.now(), reason)));
  }

  public Optional<StopRequest> stopRequest(String name) {
    return store.readText(directory(name) + "stop-request.json")
        .map(s -> Json.read(s, StopRequest.class, "stop request of " + name));
  }

  public void clearStopRequest(String name) {
    store.delete(directory(name) + "stop-request.json", false);
  }

  public void writeLog(String name, String text) {
    store.writeText(directory(name) + "job.log", text);
  }

  public Optional<String> readLog(String name) {
    return store.readText(directory(name) + "job.log");
  }

  /**
   * A request, from another process, that a job stop.
   *
   * @param requestTime when it was asked
   * @param reason why, as the user said it
   */
  public record StopRequest(
      @com.fasterxml.jackson.annotation.JsonProperty("RequestTime") Instant requestTime,
      @com.fasterxml.jackson.annotation.JsonProperty("Reason") String reason) {}
}
