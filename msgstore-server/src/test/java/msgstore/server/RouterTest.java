package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The server's own router (ADR 0032): templates, parameters, 404 versus 405, HEAD, trailing slashes. */
class RouterTest {
  private static Router<String> router() {
    return new Router<String>()
        .add("GET", "/", "page")
        .add("GET", "/stores/{s}", "store")
        .add("POST", "/stores/{s}/messages/delete", "delete-many")
        .add("GET", "/stores/{s}/messages/{m}", "get")
        .add("PATCH", "/stores/{s}/messages/{m}", "patch")
        .add("PUT", "/stores/{s}/folders/{f}/rights/{user}", "rights");
  }

  @Test
  void aLiteralSegmentWinsButARequestFallsBackToTheParameterWhenTheLiteralHasNoRouteOfItsMethod() {
    Router.Match<String> post = router().match("POST", "/stores/S1/messages/delete");
    assertThat(post.route().handler()).isEqualTo("delete-many");
    assertThat(post.params()).isEqualTo(Map.of("s", "S1"));

    Router.Match<String> get = router().match("GET", "/stores/S1/messages/delete");
    assertThat(get.route().handler()).isEqualTo("get");
    assertThat(get.params()).isEqualTo(Map.of("s", "S1", "m", "delete"));
  }

  @Test
  void aPathParameterIsPercentDecodedAsUtf8AndAPlusStaysAPlus() {
    Router.Match<String> m = router().match("PUT", "/stores/S/folders/F/rights/J%C3%BCrgen%20M+x%2Fy");
    assertThat(m.route().handler()).isEqualTo("rights");
    assertThat(m.params()).containsEntry("user", "Jürgen M+x/y");
  }

  @Test
  void malformedPercentEncodingInAParameterIsRefused() {
    assertThatThrownBy(() -> router().match("GET", "/stores/%E")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> router().match("GET", "/stores/%zz")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void oneTrailingSlashIsIgnoredButNotTwoNorAnEmptySegment() {
    assertThat(router().match("GET", "/stores/S1/").route().handler()).isEqualTo("store");
    assertThat(router().match("GET", "/stores/S1//").found()).isFalse();
    assertThat(router().match("GET", "/stores//messages/M").found()).isFalse();
    assertThat(router().match("GET", "//").found()).isFalse();
    assertThat(router().match("GET", "/").route().handler()).isEqualTo("page");
    assertThat(router().match("GET", "no-slash").found()).isFalse();
  }

  /** RFC 9110 section 15.5.6: a 405 lists the methods the target has in Allow. */
  @Test
  void aPathThatOnlyOtherMethodsServeGivesThoseMethodsForA405AndAnUnknownPathGivesNone() {
    Router.Match<String> wrong = router().match("DELETE", "/stores/S1/messages/M1");
    assertThat(wrong.found()).isFalse();
    assertThat(wrong.allowed()).containsExactly("GET", "HEAD", "PATCH");

    Router.Match<String> none = router().match("GET", "/stores/S1/nothing");
    assertThat(none.found()).isFalse();
    assertThat(none.allowed()).isEmpty();
  }

  /** RFC 9110 section 9.3.2: HEAD is answered as GET (the server sends no body). */
  @Test
  void headIsAnsweredByTheGetRoute() {
    Router.Match<String> m = router().match("HEAD", "/stores/S1/messages/M1");
    assertThat(m.route().handler()).isEqualTo("get");
    assertThat(m.params()).isEqualTo(Map.of("s", "S1", "m", "M1"));
  }

  @Test
  void aRouteAddedTwiceOrAParameterNamedTwoWaysInOnePlaceIsABug() {
    assertThatThrownBy(() -> router().add("GET", "/stores/{s}", "again"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("added twice");
    assertThatThrownBy(() -> router().add("GET", "/stores/{store}/x", "other"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{s}");
  }

  @Test
  void routesAreListedInTheOrderAdded() {
    assertThat(router().routes()).containsExactly("GET /", "GET /stores/{s}", "POST /stores/{s}/messages/delete",
        "GET /stores/{s}/messages/{m}", "PATCH /stores/{s}/messages/{m}", "PUT /stores/{s}/folders/{f}/rights/{user}");
  }
}
