package msgstore.protocol;

import msgstore.api.MapiError;

/** The one place where a {@link MapiError} becomes an HTTP status (docs/http-api.md). */
public final class HttpStatus {
  private HttpStatus() {}

  public static int of(MapiError e) {
    return switch (e) {
      case NOT_FOUND, INVALID_ENTRYID, UNKNOWN_ENTRYID -> 404;
      case OBJECT_DELETED -> 410;
      case OBJECT_CHANGED -> 412;
      case NO_ACCESS -> 403;
      case INVALID_PARAMETER, INVALID_TYPE, UNEXPECTED_TYPE, BAD_VALUE, INVALID_OBJECT, COMPUTED -> 400;
      case HAS_FOLDERS, FOLDER_CYCLE, COLLISION, USER_CANCEL -> 409;
      case TOO_BIG -> 413;
      case NO_SUPPORT -> 501;
      case BUSY -> 503;
      case NOT_ENOUGH_DISK -> 507;
      case VERSION, CORRUPT_DATA, DISK_ERROR, NOT_ENOUGH_MEMORY, CALL_FAILED -> 500;
    };
  }

  /** A short title for a problem body. */
  public static String title(MapiError e) {
    return switch (e) {
      case NOT_FOUND, INVALID_ENTRYID, UNKNOWN_ENTRYID -> "Not found";
      case OBJECT_DELETED -> "Object deleted";
      case OBJECT_CHANGED -> "Object changed";
      case NO_ACCESS -> "No access";
      case TOO_BIG -> "Too big";
      case BUSY -> "Busy";
      case COLLISION -> "Collision";
      case USER_CANCEL -> "Cancelled";
      case NO_SUPPORT -> "Not supported";
      case HAS_FOLDERS -> "Folder has subfolders";
      case FOLDER_CYCLE -> "Folder cycle";
      case NOT_ENOUGH_DISK -> "Not enough disk";
      case VERSION, CORRUPT_DATA, DISK_ERROR, NOT_ENOUGH_MEMORY, CALL_FAILED -> "Server error";
      default -> "Bad request";
    };
  }
}
