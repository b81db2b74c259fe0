/**
 * The public Java API of msgstore: a MAPI-style message store in which every open is its own
 * transaction. Rules cited as R1..R100 and X1..X6 are those of the project's spec.md.
 */
package msgstore.api;
