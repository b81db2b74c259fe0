/** placeholder */
package msgstore.client;
