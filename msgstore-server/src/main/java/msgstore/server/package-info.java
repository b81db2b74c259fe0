/** placeholder */
package msgstore.server;
