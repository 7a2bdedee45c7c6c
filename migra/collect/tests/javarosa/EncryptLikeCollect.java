/*
 * Encrypts a filled form the way ODK Collect's EncryptionUtils does, with Java's own
 * cryptography (JCE), so that Migra's decryption is checked against an implementation
 * that is not its own Python. For tests only; run as a single-file program:
 *
 *   java EncryptLikeCollect.java PUBLIC_KEY_BASE64 FORM_ID VERSION|- INSTANCE_ID OUT_DIR \
 *        [attachment ...] submission.xml
 *
 * It writes OUT_DIR/<name>.enc for every file (attachments in the order given, the
 * submission XML last) and OUT_DIR/manifest.xml, the plain-text envelope.
 *
 * Collect asks for "RSA/NONE/OAEPWithSHA256AndMGF1Padding" from Bouncy Castle, which
 * uses SHA-256 for both OAEP and MGF1; the JCE spelling of the same is RSA/ECB/OAEPPadding
 * with an explicit OAEPParameterSpec (JCE's "OAEPWithSHA-256AndMGF1Padding" would use
 * SHA-1 for MGF1). "AES/CFB/PKCS5Padding" is the same in both.
 */

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

public class EncryptLikeCollect {
    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: EncryptLikeCollect KEY FORM_ID VERSION|- INSTANCE_ID"
                    + " OUT_DIR [attachment ...] submission.xml");
            System.exit(64);
        }
        byte[] der = Base64.getDecoder().decode(args[0]);
        PublicKey publicKey = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(der));
        String formId = args[1];
        String version = args[2].equals("-") ? null : args[2];
        String instanceId = args[3];
        File out = new File(args[4]);

        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        MessageDigest seedDigest = MessageDigest.getInstance("MD5");
        seedDigest.update(instanceId.getBytes(StandardCharsets.UTF_8));
        seedDigest.update(key);
        byte[] ivSeed = seedDigest.digest();

        String encryptedKey = Base64.getEncoder().encodeToString(rsa(publicKey, key));
        StringBuilder signed = new StringBuilder();
        signed.append(formId).append('\n');
        if (version != null) {
            signed.append(version).append('\n');
        }
        signed.append(encryptedKey).append('\n').append(instanceId).append('\n');

        StringBuilder media = new StringBuilder();
        String xmlName = null;
        for (int i = 5; i < args.length; i++) {
            File file = new File(args[i]);
            byte[] plain = Files.readAllBytes(file.toPath());
            signed.append(file.getName()).append("::").append(md5Hex(plain)).append('\n');
            // getCipher(): bump one byte of the seed per file, then use it as the IV.
            int counter = i - 5;
            ivSeed[counter % ivSeed.length]++;
            Cipher aes = Cipher.getInstance("AES/CFB/PKCS5Padding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new IvParameterSpec(ivSeed));
            Files.write(new File(out, file.getName() + ".enc").toPath(), aes.doFinal(plain));
            if (i < args.length - 1) {
                media.append("<media><file>").append(file.getName()).append(".enc</file>")
                        .append("</media>\n");
            } else {
                xmlName = file.getName();
            }
        }
        byte[] digest = MessageDigest.getInstance("MD5")
                .digest(signed.toString().getBytes(StandardCharsets.UTF_8));
        String signature = Base64.getEncoder().encodeToString(rsa(publicKey, digest));

        String manifest = "<data xmlns=\"http://www.opendatakit.org/xforms/encrypted\" id=\""
                + formId + "\"" + (version != null ? " version=\"" + version + "\"" : "")
                + " encrypted=\"yes\"><base64EncryptedKey>" + encryptedKey
                + "</base64EncryptedKey><n0:meta xmlns:n0=\"http://openrosa.org/xforms\">"
                + "<n0:instanceID>" + instanceId + "</n0:instanceID></n0:meta>\n" + media
                + "<encryptedXmlFile>" + xmlName + ".enc</encryptedXmlFile>"
                + "<base64EncryptedElementSignature>" + signature
                + "</base64EncryptedElementSignature></data>";
        Files.write(new File(out, "manifest.xml").toPath(),
                manifest.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] rsa(PublicKey publicKey, byte[] data) throws Exception {
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
        rsa.init(Cipher.ENCRYPT_MODE, publicKey, new OAEPParameterSpec("SHA-256", "MGF1",
                MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        return rsa.doFinal(data);
    }

    static String md5Hex(byte[] data) throws Exception {
        StringBuilder hex = new StringBuilder();
        for (byte b : MessageDigest.getInstance("MD5").digest(data)) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }
}
