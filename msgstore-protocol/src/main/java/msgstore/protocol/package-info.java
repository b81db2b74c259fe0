/** placeholder */
package msgstore.protocol;
